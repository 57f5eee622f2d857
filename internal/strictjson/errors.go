package strictjson

import (
	"errors"
	"strconv"
)

// Sentinel errors. Every error returned by this package (other than errors
// returned by caller-supplied callbacks or [json.Unmarshaler] implementations)
// is an [*Error] wrapping exactly one of them.
var (
	// ErrSyntax reports malformed JSON.
	ErrSyntax = errors.New("json: syntax error")
	// ErrDuplicate reports a member name that appears twice in one object,
	// compared after unescaping.
	ErrDuplicate = errors.New("json: duplicate member name")
	// ErrDepth reports nesting deeper than the configured maximum depth.
	ErrDepth = errors.New("json: nesting too deep")
	// ErrUTF8 reports invalid UTF-8 in a string or an unpaired surrogate
	// escape.
	ErrUTF8 = errors.New("json: invalid UTF-8")
	// ErrNumber reports a number that does not fit its target type, or a
	// non-integral number for an integer target.
	ErrNumber = errors.New("json: number out of range")
	// ErrType reports a JSON value of the wrong type for its target.
	ErrType = errors.New("json: wrong type")
)

// Error is the error type returned by this package.
type Error struct {
	// Err is one of the package's sentinel errors.
	Err error
	// Offset is the byte offset in the input where the error was found, or
	// -1 if it is not known.
	Offset int
	// Path is the path of the member in which the error was found, such as
	// "roles[1]", or "" if it is not known or is the top level.
	Path string
	// Msg describes the error.
	Msg string
}

// Error returns "json: " followed by the message, the member path and the
// offset where known.
func (e *Error) Error() string {
	s := "json: " + e.Msg
	if e.Path != "" {
		s += " in " + strconv.Quote(e.Path)
	}
	if e.Offset >= 0 {
		s += " at offset " + strconv.Itoa(e.Offset)
	}
	return s
}

// Unwrap returns the sentinel error wrapped by e.
func (e *Error) Unwrap() error { return e.Err }

func newError(sentinel error, off int, msg string) *Error {
	return &Error{Err: sentinel, Offset: off, Msg: msg}
}

// withPath returns err with p prefixed to its member path if err is an
// *Error; other errors are returned unchanged.
func withPath(err error, p string) error {
	var e *Error
	if errors.As(err, &e) {
		if e.Path == "" {
			e.Path = p
		} else if e.Path[0] == '[' {
			e.Path = p + e.Path
		} else {
			e.Path = p + "." + e.Path
		}
	}
	return err
}

// quoteChar formats c for error messages.
func quoteChar(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	if c >= 0x80 {
		s = `"\x` + strconv.FormatUint(uint64(c), 16) + `"`
	}
	return "'" + s[1:len(s)-1] + "'"
}
