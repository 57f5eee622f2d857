package strictjson

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"unsafe"
)

// DecodeOptions configures [Unmarshal] and [Field.Decode].
type DecodeOptions struct {
	// MaxDepth limits nesting; zero or less means [DefaultMaxDepth].
	MaxDepth int
	// AliasStrings lets decoded Go strings without escapes share memory
	// with the input instead of being copied. The caller promises never to
	// modify the input afterwards: doing so would change the strings, which
	// Go assumes never happens. The zero value, false, copies.
	AliasStrings bool
}

// Unmarshal decodes the JSON value in data into v, which must be a non-nil
// pointer, strictly: data must be valid under the rules of [Validate], and
// member names match struct fields exactly and case-sensitively.
//
// Struct fields are found as [encoding/json] finds them: exported fields
// named by their json tag or, without one, by their Go name; embedded
// structs promoted; `json:"-"` skipped. Unknown members are ignored (but
// validated). The ",string" tag option is not supported. Types implementing
// [json.Unmarshaler] decode themselves, and types implementing
// [encoding.TextUnmarshaler] decode from strings. A JSON null sets pointers,
// slices, maps and interfaces to nil and leaves other values unchanged.
// Decoding into an interface stores map[string]any, []any, string, float64,
// bool or nil. []byte decodes from standard padded base64. Slices and maps
// are always freshly allocated, never merged with what v held.
//
// Errors wrap [ErrType] for a JSON type that does not fit its target,
// [ErrNumber] for numbers out of range, and name the member path, such as
// "roles[1]". Errors from [json.Unmarshaler] implementations are returned as
// they are. On error, v may have been partly modified and should be
// discarded.
func Unmarshal(data []byte, v any, opts DecodeOptions) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &Error{Err: ErrType, Offset: -1, Msg: "Unmarshal needs a non-nil pointer, not " + typeString(rv)}
	}
	t := rv.Type().Elem()
	ptr := rv.UnsafePointer()
	if pt := reflect.PointerTo(t); t.Kind() == reflect.Struct && !pt.Implements(unmarshalerType) && !pt.Implements(textUnmarshalerType) {
		plan, err := PlanFor(t, nil)
		if err != nil {
			return err
		}
		return plan.DecodeMembers(ptr, data, opts, nil)
	}
	c, err := codecFor(t)
	if err != nil {
		return err
	}
	if err := Validate(data, opts.MaxDepth); err != nil {
		return err
	}
	return c.dec(ptr, bytes.Trim(data, " \t\r\n"), opts)
}

func typeString(rv reflect.Value) string {
	if !rv.IsValid() {
		return "nil"
	}
	return rv.Type().String()
}

// DecodeMembers decodes the JSON object in data into the struct at
// structPtr, a pointer to a value of the plan's type, like [Unmarshal]. If
// claim is non-nil, it sees each member first; when it returns handled, the
// plan does not decode that member. Errors from claim are returned as they
// are.
func (p *Plan) DecodeMembers(structPtr unsafe.Pointer, data []byte, opts DecodeOptions, claim func(name, value []byte) (handled bool, err error)) error {
	i := skipSpace(data, 0)
	if i < len(data) && data[i] != '{' {
		if err := Validate(data, opts.MaxDepth); err != nil {
			return err
		}
		if data[i] == 'n' { // null leaves the struct unchanged
			return nil
		}
		return typeError(data[i:], p.typ.String())
	}
	return ForEachMember(data, opts.MaxDepth, func(name, value []byte) error {
		if claim != nil {
			handled, err := claim(name, value)
			if err != nil || handled {
				return err
			}
		}
		f := p.Field(name)
		if f == nil {
			return nil
		}
		return f.Decode(structPtr, value, opts)
	})
}

// decodeStructMembers decodes the validated object raw into the struct at
// ptr.
func (p *Plan) decodeStructMembers(ptr unsafe.Pointer, raw []byte, o DecodeOptions) error {
	it := newIter(raw)
	for it.next() {
		name, esc, value := it.member()
		if esc {
			name = unescape(nil, name)
		}
		if f := p.Field(name); f != nil {
			if err := f.Decode(ptr, value, o); err != nil {
				return err
			}
		}
	}
	return nil
}

// stringOf returns the Go string for the validated JSON string raw.
func stringOf(raw []byte, o DecodeOptions) string {
	content := raw[1 : len(raw)-1]
	if bytes.IndexByte(content, '\\') >= 0 {
		b := unescape(nil, content)
		return unsafe.String(unsafe.SliceData(b), len(b))
	}
	if len(content) == 0 {
		return ""
	}
	if o.AliasStrings {
		return unsafe.String(&content[0], len(content))
	}
	return string(content)
}

// bytesOf returns the contents of the validated JSON string raw, aliasing
// raw when there are no escapes.
func bytesOf(raw []byte) []byte {
	content := raw[1 : len(raw)-1]
	if bytes.IndexByte(content, '\\') >= 0 {
		return unescape(nil, content)
	}
	return content
}

// emptyArray backs decoded empty slices, which are not nil.
var emptyArray [0]uint64

// decoder returns the decoding function for t.
func (b *builder) decoder(t reflect.Type) (func(unsafe.Pointer, []byte, DecodeOptions) error, error) {
	kind := t.Kind()
	if t == rawMessageType {
		return func(p unsafe.Pointer, raw []byte, o DecodeOptions) error {
			*(*[]byte)(p) = bytes.Clone(raw)
			return nil
		}, nil
	}
	if kind != reflect.Pointer && kind != reflect.Interface {
		pt := reflect.PointerTo(t)
		if pt.Implements(unmarshalerType) {
			return func(p unsafe.Pointer, raw []byte, o DecodeOptions) error {
				return reflect.NewAt(t, p).Interface().(json.Unmarshaler).UnmarshalJSON(raw)
			}, nil
		}
		if pt.Implements(textUnmarshalerType) {
			return func(p unsafe.Pointer, raw []byte, o DecodeOptions) error {
				switch KindOf(raw) {
				case Null:
					return nil
				case String:
					u := reflect.NewAt(t, p).Interface().(encoding.TextUnmarshaler)
					if err := u.UnmarshalText(bytesOf(raw)); err != nil {
						return &Error{Err: ErrType, Offset: -1, Msg: "cannot decode " + t.String() + ": " + err.Error()}
					}
					return nil
				}
				return typeError(raw, t.String())
			}, nil
		}
	}
	if t == numberType {
		return func(p unsafe.Pointer, raw []byte, o DecodeOptions) error {
			switch KindOf(raw) {
			case Null:
				return nil
			case Number:
				*(*string)(p) = string(raw)
				return nil
			}
			return typeError(raw, t.String())
		}, nil
	}
	switch kind {
	case reflect.Bool:
		return func(p unsafe.Pointer, raw []byte, o DecodeOptions) error {
			switch raw[0] {
			case 't':
				*(*bool)(p) = true
			case 'f':
				*(*bool)(p) = false
			case 'n':
			default:
				return typeError(raw, t.String())
			}
			return nil
		}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		size := t.Size()
		bits := t.Bits()
		return func(p unsafe.Pointer, raw []byte, o DecodeOptions) error {
			if raw[0] == 'n' {
				return nil
			}
			if len(raw) > 0 && raw[0] != '-' && raw[0]-'0' > 9 {
				return typeError(raw, t.String())
			}
			v, err := Int64(raw)
			if err != nil {
				return err
			}
			if bits < 64 && (v < -1<<(bits-1) || v >= 1<<(bits-1)) {
				return rangeError(raw, t.String())
			}
			storeUint(p, size, uint64(v))
			return nil
		}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		size := t.Size()
		bits := t.Bits()
		return func(p unsafe.Pointer, raw []byte, o DecodeOptions) error {
			if raw[0] == 'n' {
				return nil
			}
			if raw[0] != '-' && raw[0]-'0' > 9 {
				return typeError(raw, t.String())
			}
			v, err := Uint64(raw)
			if err != nil {
				return err
			}
			if bits < 64 && v >= 1<<bits {
				return rangeError(raw, t.String())
			}
			storeUint(p, size, v)
			return nil
		}, nil
	case reflect.Float32, reflect.Float64:
		bits := t.Bits()
		return func(p unsafe.Pointer, raw []byte, o DecodeOptions) error {
			if raw[0] == 'n' {
				return nil
			}
			if raw[0] != '-' && raw[0]-'0' > 9 {
				return typeError(raw, t.String())
			}
			if bits == 64 {
				f, err := Float64(raw)
				if err != nil {
					return err
				}
				*(*float64)(p) = f
				return nil
			}
			if err := checkNumber(raw); err != nil {
				return err
			}
			f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(raw), len(raw)), 32)
			if err != nil || math.IsInf(f, 0) {
				return rangeError(raw, t.String())
			}
			*(*float32)(p) = float32(f)
			return nil
		}, nil
	case reflect.String:
		return func(p unsafe.Pointer, raw []byte, o DecodeOptions) error {
			switch raw[0] {
			case '"':
				*(*string)(p) = stringOf(raw, o)
			case 'n':
			default:
				return typeError(raw, t.String())
			}
			return nil
		}, nil
	case reflect.Pointer:
		et := t.Elem()
		ec, err := b.codec(et)
		if err != nil {
			return nil, err
		}
		return func(p unsafe.Pointer, raw []byte, o DecodeOptions) error {
			pp := (*unsafe.Pointer)(p)
			if raw[0] == 'n' {
				*pp = nil
				return nil
			}
			if *pp == nil {
				*pp = reflect.New(et).UnsafePointer()
			}
			return ec.dec(*pp, raw, o)
		}, nil
	case reflect.Slice:
		et := t.Elem()
		if et.Kind() == reflect.Uint8 && !reflect.PointerTo(et).Implements(unmarshalerType) && !reflect.PointerTo(et).Implements(textUnmarshalerType) {
			return func(p unsafe.Pointer, raw []byte, o DecodeOptions) error {
				switch raw[0] {
				case 'n':
					*(*sliceHeader)(p) = sliceHeader{}
					return nil
				case '"':
					src := bytesOf(raw)
					dst := make([]byte, base64.StdEncoding.DecodedLen(len(src)))
					n, err := base64.StdEncoding.Strict().Decode(dst, src)
					if err != nil {
						return &Error{Err: ErrType, Offset: -1, Msg: "cannot decode string as base64 for " + t.String()}
					}
					*(*[]byte)(p) = dst[:n]
					return nil
				}
				return typeError(raw, t.String())
			}, nil
		}
		ec, err := b.codec(et)
		if err != nil {
			return nil, err
		}
		size := et.Size()
		alloc := sliceAlloc(et)
		return func(p unsafe.Pointer, raw []byte, o DecodeOptions) error {
			sh := (*sliceHeader)(p)
			switch raw[0] {
			case 'n':
				*sh = sliceHeader{}
				return nil
			case '[':
			default:
				return typeError(raw, t.String())
			}
			n := countElements(raw)
			*sh = sliceHeader{}
			if n == 0 {
				*sh = sliceHeader{data: unsafe.Pointer(&emptyArray)}
				return nil
			}
			if alloc != nil {
				*sh = sliceHeader{data: alloc(n), len: n, cap: n}
			} else {
				sv := reflect.NewAt(t, p).Elem()
				sv.Grow(n)
				sv.SetLen(n)
			}
			base := sh.data
			it := newIter(raw)
			for i := 0; it.next(); i++ {
				if err := ec.dec(unsafe.Add(base, uintptr(i)*size), it.element(), o); err != nil {
					return withPath(err, "["+strconv.Itoa(i)+"]")
				}
			}
			return nil
		}, nil
	case reflect.Array:
		et := t.Elem()
		ec, err := b.codec(et)
		if err != nil {
			return nil, err
		}
		size := et.Size()
		n := t.Len()
		return func(p unsafe.Pointer, raw []byte, o DecodeOptions) error {
			switch raw[0] {
			case 'n':
				return nil
			case '[':
			default:
				return typeError(raw, t.String())
			}
			reflect.NewAt(t, p).Elem().SetZero()
			it := newIter(raw)
			for i := 0; it.next(); i++ {
				v := it.element()
				if i >= n {
					continue
				}
				if err := ec.dec(unsafe.Add(p, uintptr(i)*size), v, o); err != nil {
					return withPath(err, "["+strconv.Itoa(i)+"]")
				}
			}
			return nil
		}, nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return nil, unsupported(t, "map key type is not a string")
		}
		if t == reflect.TypeFor[map[string]any]() {
			return func(p unsafe.Pointer, raw []byte, o DecodeOptions) error {
				switch raw[0] {
				case 'n':
					*(*map[string]any)(p) = nil
					return nil
				case '{':
					m, err := decodeObjectAny(raw, o)
					*(*map[string]any)(p) = m
					return err
				}
				return typeError(raw, t.String())
			}, nil
		}
		et := t.Elem()
		kt := t.Key()
		ec, err := b.codec(et)
		if err != nil {
			return nil, err
		}
		return func(p unsafe.Pointer, raw []byte, o DecodeOptions) error {
			mv := reflect.NewAt(t, p).Elem()
			switch raw[0] {
			case 'n':
				mv.SetZero()
				return nil
			case '{':
			default:
				return typeError(raw, t.String())
			}
			m := reflect.MakeMap(t)
			it := newIter(raw)
			for it.next() {
				name, esc, value := it.member()
				key := memberKey(name, esc, o)
				ev := reflect.New(et)
				if err := ec.dec(ev.UnsafePointer(), value, o); err != nil {
					return withPath(err, key)
				}
				kv := reflect.ValueOf(key)
				if kt != kv.Type() {
					kv = kv.Convert(kt)
				}
				m.SetMapIndex(kv, ev.Elem())
			}
			mv.Set(m)
			return nil
		}, nil
	case reflect.Struct:
		plan, err := b.structPlan(t)
		if err != nil {
			return nil, err
		}
		return func(p unsafe.Pointer, raw []byte, o DecodeOptions) error {
			switch raw[0] {
			case 'n':
				return nil
			case '{':
				return plan.decodeStructMembers(p, raw, o)
			}
			return typeError(raw, t.String())
		}, nil
	case reflect.Interface:
		if t.NumMethod() != 0 {
			return func(p unsafe.Pointer, raw []byte, o DecodeOptions) error {
				if raw[0] == 'n' {
					reflect.NewAt(t, p).Elem().SetZero()
					return nil
				}
				return typeError(raw, t.String())
			}, nil
		}
		return func(p unsafe.Pointer, raw []byte, o DecodeOptions) error {
			v, err := decodeAny(raw, o)
			if err != nil {
				return err
			}
			*(*any)(p) = v
			return nil
		}, nil
	}
	return nil, unsupported(t, "cannot decode "+kind.String())
}

// sliceAlloc returns a function allocating n zero elements of type et
// without reflection, for common element types, or nil.
func sliceAlloc(et reflect.Type) func(n int) unsafe.Pointer {
	switch et {
	case reflect.TypeFor[string]():
		return func(n int) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(make([]string, n))) }
	case reflect.TypeFor[any]():
		return func(n int) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(make([]any, n))) }
	case reflect.TypeFor[int]():
		return func(n int) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(make([]int, n))) }
	case reflect.TypeFor[int64]():
		return func(n int) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(make([]int64, n))) }
	case reflect.TypeFor[float64]():
		return func(n int) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(make([]float64, n))) }
	case reflect.TypeFor[bool]():
		return func(n int) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(make([]bool, n))) }
	}
	return nil
}

// decodeAny decodes the validated value raw as encoding/json does into an
// interface: map[string]any, []any, string, float64, bool or nil.
func decodeAny(raw []byte, o DecodeOptions) (any, error) {
	switch raw[0] {
	case '{':
		return decodeObjectAny(raw, o)
	case '[':
		s := make([]any, 0, countElements(raw))
		it := newIter(raw)
		for i := 0; it.next(); i++ {
			v, err := decodeAny(it.element(), o)
			if err != nil {
				return nil, withPath(err, "["+strconv.Itoa(i)+"]")
			}
			s = append(s, v)
		}
		return s, nil
	case '"':
		return stringOf(raw, o), nil
	case 't':
		return true, nil
	case 'f':
		return false, nil
	case 'n':
		return nil, nil
	}
	return Float64(raw)
}

// memberKey returns the member name as a map key: unescaped if it has
// escapes, aliasing the input when o allows it, copied otherwise.
func memberKey(name []byte, esc bool, o DecodeOptions) string {
	switch {
	case esc:
		b := unescape(nil, name)
		return unsafe.String(unsafe.SliceData(b), len(b))
	case o.AliasStrings && len(name) > 0:
		return unsafe.String(&name[0], len(name))
	}
	return string(name)
}

func decodeObjectAny(raw []byte, o DecodeOptions) (map[string]any, error) {
	m := make(map[string]any)
	it := newIter(raw)
	for it.next() {
		name, esc, value := it.member()
		key := memberKey(name, esc, o)
		v, err := decodeAny(value, o)
		if err != nil {
			return nil, withPath(err, key)
		}
		m[key] = v
	}
	return m, nil
}
