package main

import (
	"os"
	"time"

	"github.com/wardauth/ward/internal/inspect"
)

// readToken returns the token named by the positional arguments of decode
// and verify: the argument itself, standard input for "-" (or for no
// argument when standard input is not a terminal), or the content of the
// file the argument names if it exists. One trailing newline ("\n" or
// "\r\n") is trimmed from standard input and files, never anything inside
// the token, and a leading "Bearer " (as in an Authorization header) is
// dropped.
func readToken(e *env, cmd string, pos []string) (string, error) {
	var tok string
	switch {
	case len(pos) > 1:
		return "", usagef(nil, "%s takes one token, not %d arguments", cmd, len(pos))
	case len(pos) == 0 && isTerminal(e.stdin):
		return "", usagef([]string{"pass the token as an argument, as a file name, or on standard input (\"-\")"}, "no token given")
	case len(pos) == 0 || pos[0] == "-":
		data, err := readFile(e, "-")
		if err != nil {
			return "", err
		}
		tok = trimNewline(string(data))
	case isFile(pos[0]):
		data, err := readFile(e, pos[0])
		if err != nil {
			return "", err
		}
		tok = trimNewline(string(data))
	default:
		tok = pos[0]
	}
	return inspect.DropBearer(tok), nil
}

// trimNewline removes one trailing "\n" or "\r\n".
var trimNewline = inspect.TrimNewline

// isFile reports whether name is an existing regular file.
func isFile(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && fi.Mode().IsRegular()
}

// isTerminal reports whether r is a terminal (a character device).
func isTerminal(r any) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// parseTime parses an instant given as RFC 3339 or as Unix seconds.
var parseTime = inspect.ParseTime

// timeFlag is a flag holding an instant; its zero value means "now".
type timeFlag struct {
	t time.Time
}

func (f *timeFlag) String() string {
	if f.t.IsZero() {
		return ""
	}
	return f.t.Format(time.RFC3339)
}

func (f *timeFlag) Set(s string) error {
	t, err := parseTime(s)
	if err != nil {
		return err
	}
	f.t = t
	return nil
}

// now returns the instant of the flag, or the current time.
func (f *timeFlag) now() time.Time {
	if f.t.IsZero() {
		return time.Now()
	}
	return f.t
}

// humanDuration formats d, rounded down, for "expires in 9m" and the like.
func humanDuration(d time.Duration) string { return inspect.HumanDuration(d) }
