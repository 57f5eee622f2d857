package inspect

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// CleanToken is what "ward decode" and "ward verify" make of a token read
// from a file or standard input, and the debugger of a pasted one: one
// trailing newline ("\n" or "\r\n") is trimmed, never anything inside the
// token, and a leading "Bearer " (as in an Authorization header) is
// dropped.
func CleanToken(s string) string {
	return DropBearer(TrimNewline(s))
}

// TrimNewline removes one trailing "\n" or "\r\n".
func TrimNewline(s string) string {
	if t, ok := strings.CutSuffix(s, "\n"); ok {
		return strings.TrimSuffix(t, "\r")
	}
	return s
}

// DropBearer removes a leading "Bearer " (in any case).
func DropBearer(tok string) string {
	if len(tok) >= len("Bearer ") && strings.EqualFold(tok[:len("Bearer ")], "Bearer ") {
		return tok[len("Bearer "):]
	}
	return tok
}

// ParseTime parses an instant given as RFC 3339 or as Unix seconds.
func ParseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if secs, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(secs, 0), nil
	}
	return time.Time{}, errors.New("want an RFC 3339 time (2006-01-02T15:04:05Z) or Unix seconds")
}
