package strictjson

import (
	"bytes"
	"encoding/binary"
	"unicode/utf8"
)

// DefaultMaxDepth is the nesting limit used when a maxDepth of zero or less
// is given. A top-level object or array has depth 1.
const DefaultMaxDepth = 32

// smallNames is how many member names an object may have before duplicate
// detection switches from linear comparison to a map.
const smallNames = 16

// ForEachMember parses data as exactly one JSON object and calls fn for each
// member in order. Insignificant whitespace is allowed before, after and
// inside the object.
//
// name is the unescaped member name: it aliases data when the name has no
// escapes, and is a fresh slice otherwise. value is the raw JSON text of the
// member's value, a subslice of data without surrounding whitespace.
//
// Before fn sees a member, its value has been fully validated: it is well
// formed, valid UTF-8 without unpaired surrogates, has no duplicate names in
// nested objects and is nested at most maxDepth deep (maxDepth <= 0 means
// [DefaultMaxDepth]). The rest of data is validated as iteration proceeds,
// so fn may have been called for some members when ForEachMember returns an
// error; callers must then discard what they collected. A name that repeats
// an earlier one is [ErrDuplicate], reported before fn sees it.
//
// If fn returns an error, iteration stops and that error is returned as is.
//
// ForEachMember does not allocate for objects of up to 16 members whose
// names have no escapes.
func ForEachMember(data []byte, maxDepth int, fn func(name, value []byte) error) error {
	s := scanner{data: data, maxDepth: depthLimit(maxDepth)}
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return s.expected(i, "'{'")
	}
	end, err := s.object(i, 1, fn)
	if err != nil {
		return err
	}
	return s.eof(end)
}

// ForEachElement parses data as exactly one JSON array and calls fn with the
// raw JSON text of each element in order, under the same rules as
// [ForEachMember].
func ForEachElement(data []byte, maxDepth int, fn func(value []byte) error) error {
	s := scanner{data: data, maxDepth: depthLimit(maxDepth)}
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return s.expected(i, "'['")
	}
	end, err := s.array(i, 1, fn)
	if err != nil {
		return err
	}
	return s.eof(end)
}

// Validate reports whether data is exactly one valid JSON value, optionally
// surrounded by whitespace, under the rules of [ForEachMember].
func Validate(data []byte, maxDepth int) error {
	s := scanner{data: data, maxDepth: depthLimit(maxDepth)}
	i := skipSpace(data, 0)
	end, err := s.value(i, 0)
	if err != nil {
		return err
	}
	return s.eof(end)
}

// validValue reports whether raw is exactly one valid JSON value with no
// surrounding whitespace.
func validValue(raw []byte, maxDepth int) error {
	s := scanner{data: raw, maxDepth: depthLimit(maxDepth)}
	end, err := s.value(0, 0)
	if err != nil {
		return err
	}
	if end != len(raw) {
		return s.syntax(end, "after top-level value")
	}
	return nil
}

func depthLimit(maxDepth int) int {
	if maxDepth <= 0 {
		return DefaultMaxDepth
	}
	return maxDepth
}

// Kind is the type of a JSON value.
type Kind byte

// The kinds of JSON values.
const (
	Invalid Kind = iota
	Null
	Bool
	Number
	String
	Array
	Object
)

var kindNames = [...]string{"invalid", "null", "boolean", "number", "string", "array", "object"}

// String returns the JSON name of k, such as "number".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "invalid"
}

// KindOf returns the kind of the raw JSON value, judged by its first byte
// only. raw must already have been validated; KindOf returns [Invalid] for
// an empty raw or an impossible first byte.
func KindOf(raw []byte) Kind {
	if len(raw) == 0 {
		return Invalid
	}
	switch raw[0] {
	case 'n':
		return Null
	case 't', 'f':
		return Bool
	case '"':
		return String
	case '[':
		return Array
	case '{':
		return Object
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return Number
	}
	return Invalid
}

// scanner validates JSON text. Its methods take the offset of the first byte
// of a token and return the offset just past it.
type scanner struct {
	data     []byte
	maxDepth int
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		c := data[i]
		if c > ' ' || (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			break
		}
		i++
	}
	return i
}

func (s *scanner) eof(i int) error {
	i = skipSpace(s.data, i)
	if i != len(s.data) {
		return s.syntax(i, "after top-level value")
	}
	return nil
}

func (s *scanner) syntax(i int, context string) error {
	if i >= len(s.data) {
		return newError(ErrSyntax, i, "unexpected end of input")
	}
	return newError(ErrSyntax, i, "invalid character "+quoteChar(s.data[i])+" "+context)
}

func (s *scanner) expected(i int, what string) error {
	if i >= len(s.data) {
		return newError(ErrSyntax, i, "unexpected end of input, expected "+what)
	}
	return newError(ErrSyntax, i, "invalid character "+quoteChar(s.data[i])+", expected "+what)
}

// value scans the value starting at i, which is inside a container at depth
// depth (0 for the top level).
func (s *scanner) value(i, depth int) (int, error) {
	data := s.data
	if i >= len(data) {
		return i, s.expected(i, "value")
	}
	switch c := data[i]; c {
	case '"':
		end, _, err := scanString(data, i)
		return end, err
	case '{':
		return s.object(i, depth+1, nil)
	case '[':
		return s.array(i, depth+1, nil)
	case 't':
		return s.literal(i, "true")
	case 'f':
		return s.literal(i, "false")
	case 'n':
		return s.literal(i, "null")
	default:
		if c == '-' || c-'0' <= 9 {
			return scanNumber(data, i)
		}
		return i, s.expected(i, "value")
	}
}

func (s *scanner) literal(i int, lit string) (int, error) {
	data := s.data
	for j := 0; j < len(lit); j++ {
		if i+j >= len(data) || data[i+j] != lit[j] {
			return i + j, s.syntax(i+j, "in literal "+lit)
		}
	}
	return i + len(lit), nil
}

// nameSet detects duplicate member names. The first smallNames names are
// kept in arrays that live on the stack, each with a key made of its length
// and first eight bytes, so that most comparisons are one integer compare;
// beyond that a map is used.
type nameSet struct {
	n     int
	keys  [smallNames]nameKey
	small [smallNames][]byte
	m     map[string]struct{}
}

type nameKey struct {
	prefix uint64
	len    int
}

func keyOf(name []byte) nameKey {
	var p uint64
	n := min(len(name), 8)
	for i := 0; i < n; i++ {
		p |= uint64(name[i]) << (8 * i)
	}
	return nameKey{p, len(name)}
}

// keyAt returns keyOf(data[start:start+n]), reading eight bytes at once
// when data has them.
func keyAt(data []byte, start, n int) nameKey {
	if start+8 > len(data) {
		return keyOf(data[start : start+n])
	}
	p := binary.LittleEndian.Uint64(data[start:])
	if n < 8 {
		p &= 1<<(8*n) - 1
	}
	return nameKey{p, n}
}

// add records name, whose key is k, and reports whether it was new.
func (ns *nameSet) add(name []byte, k nameKey) bool {
	if ns.m != nil {
		if _, ok := ns.m[string(name)]; ok {
			return false
		}
		ns.m[string(name)] = struct{}{}
		return true
	}
	for i, prev := range ns.keys[:ns.n] {
		if prev == k && (k.len <= 8 || bytes.Equal(ns.small[i][8:], name[8:])) {
			return false
		}
	}
	if ns.n < smallNames {
		ns.keys[ns.n] = k
		ns.small[ns.n] = name
		ns.n++
		return true
	}
	ns.m = make(map[string]struct{}, 2*smallNames)
	for _, prev := range ns.small[:] {
		ns.m[string(prev)] = struct{}{}
	}
	ns.m[string(name)] = struct{}{}
	return true
}

// object scans the object starting at i ('{'), which has depth depth, and
// calls fn (if non-nil) for each member.
func (s *scanner) object(i, depth int, fn func(name, value []byte) error) (int, error) {
	if depth > s.maxDepth {
		return i, newError(ErrDepth, i, "object nested too deep")
	}
	data := s.data
	var names nameSet
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return i, s.expected(i, "member name")
		}
		nameStart := i
		end, esc, err := scanString(data, i)
		if err != nil {
			return end, err
		}
		var name []byte
		var key nameKey
		if esc {
			name = unescape(nil, data[i+1:end-1])
			key = keyOf(name)
		} else {
			name = data[i+1 : end-1]
			key = keyAt(data, i+1, len(name))
		}
		if !names.add(name, key) {
			return nameStart, newError(ErrDuplicate, nameStart, "duplicate member name "+quoteName(name))
		}
		// Compact JSON, as in tokens, has no whitespace: try that first.
		if end < len(data) && data[end] == ':' {
			i = end + 1
		} else if i = skipSpace(data, end); i >= len(data) || data[i] != ':' {
			return i, s.expected(i, "':' after member name")
		} else {
			i++
		}
		if i < len(data) && data[i] <= ' ' {
			i = skipSpace(data, i)
		}
		valStart := i
		if i, err = s.value(i, depth); err != nil {
			return i, err
		}
		if fn != nil {
			if err := fn(name, data[valStart:i]); err != nil {
				return i, err
			}
		}
		if i < len(data) && data[i] <= ' ' {
			i = skipSpace(data, i)
		}
		if i >= len(data) {
			return i, s.expected(i, "',' or '}'")
		}
		switch data[i] {
		case ',':
			i++
			if i < len(data) && data[i] <= ' ' {
				i = skipSpace(data, i)
			}
		case '}':
			return i + 1, nil
		default:
			return i, s.expected(i, "',' or '}' after member value")
		}
	}
}

// array scans the array starting at i ('['), which has depth depth, and
// calls fn (if non-nil) for each element.
func (s *scanner) array(i, depth int, fn func(value []byte) error) (int, error) {
	if depth > s.maxDepth {
		return i, newError(ErrDepth, i, "array nested too deep")
	}
	data := s.data
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return i + 1, nil
	}
	for {
		valStart := i
		var err error
		if i, err = s.value(i, depth); err != nil {
			return i, err
		}
		if fn != nil {
			if err := fn(data[valStart:i]); err != nil {
				return i, err
			}
		}
		i = skipSpace(data, i)
		if i >= len(data) {
			return i, s.expected(i, "',' or ']'")
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case ']':
			return i + 1, nil
		default:
			return i, s.expected(i, "',' or ']' after array element")
		}
	}
}

// quoteName formats a member name for an error message, truncated.
func quoteName(name []byte) string {
	const max = 64
	if len(name) > max {
		name = name[:max]
	}
	if utf8.Valid(name) {
		return "\"" + string(name) + "\""
	}
	return "(invalid UTF-8)"
}

// scanNumber scans the number starting at i, following the grammar of
// [RFC 8259, Section 6]:
//
//	number = [ minus ] int [ frac ] [ exp ]
//	int    = zero / ( digit1-9 *DIGIT )
//	frac   = decimal-point 1*DIGIT
//	exp    = e [ minus / plus ] 1*DIGIT
func scanNumber(data []byte, i int) (int, error) {
	if data[i] == '-' {
		i++
	}
	if i >= len(data) {
		return i, newError(ErrSyntax, i, "unexpected end of input in number")
	}
	switch c := data[i]; {
	case c == '0':
		i++
	case c-'1' <= 8:
		i++
		for i < len(data) && data[i]-'0' <= 9 {
			i++
		}
	default:
		return i, newError(ErrSyntax, i, "invalid character "+quoteChar(c)+" in number")
	}
	if i < len(data) && data[i] == '.' {
		i++
		start := i
		for i < len(data) && data[i]-'0' <= 9 {
			i++
		}
		if i == start {
			return i, numberSyntax(data, i, "after decimal point")
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		start := i
		for i < len(data) && data[i]-'0' <= 9 {
			i++
		}
		if i == start {
			return i, numberSyntax(data, i, "in exponent")
		}
	}
	return i, nil
}

func numberSyntax(data []byte, i int, context string) error {
	if i >= len(data) {
		return newError(ErrSyntax, i, "unexpected end of input in number")
	}
	return newError(ErrSyntax, i, "invalid character "+quoteChar(data[i])+" "+context)
}
