package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/wardauth/ward/internal/inspect"
)

// env is what a command reads and writes besides its flags.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

func (e *env) errorf(format string, args ...any) {
	fmt.Fprintf(e.stderr, "ward: error: "+format+"\n", args...)
}

func (e *env) warnf(format string, args ...any) {
	fmt.Fprintf(e.stderr, "ward: warning: "+format+"\n", args...)
}

func (e *env) hintf(format string, args ...any) {
	fmt.Fprintf(e.stderr, "ward: hint: "+format+"\n", args...)
}

// newFlagSet returns an empty flag set that reports errors to its caller
// rather than printing them.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses args with fs, allowing flags after positional arguments
// ("ward verify token.txt --key k.jwk"); everything after "--" is
// positional. It returns the positional arguments and -1, or an exit status
// when the command must stop: 0 after printing the usage for -h, 2 after a
// usage error.
func parseFlags(e *env, fs *flag.FlagSet, args []string, usage string) ([]string, int) {
	var pos []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(e.stdout, usage)
			return nil, exitOK
		}
		if err != nil {
			msg := err.Error()
			if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
				msg = "unknown flag " + name
			}
			return nil, usageError(e, fs.Name(), "%s", msg)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, -1
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), -1
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// usageError prints a usage error and a hint, and returns [exitUsage].
func usageError(e *env, cmd, format string, args ...any) int {
	e.errorf(format, args...)
	e.hintf("run \"ward %s -h\" for usage", cmd)
	return exitUsage
}

// cmdError is an error that carries its exit status and hints. Errors of
// other types exit with [exitInvalid].
type cmdError struct {
	code  int
	msg   string
	hints []string
}

func (c *cmdError) Error() string { return c.msg }

// usagef returns a usage error (exit status 2) with optional hints.
func usagef(hints []string, format string, args ...any) error {
	return &cmdError{code: exitUsage, msg: fmt.Sprintf(format, args...), hints: hints}
}

// failf returns an error for a failed operation (exit status 1).
func failf(format string, args ...any) error {
	return &cmdError{code: exitInvalid, msg: fmt.Sprintf(format, args...)}
}

// fail prints err as "ward: error: ..." with its hints and returns its exit
// status. Usage errors also get a hint pointing at the command's usage.
func (e *env) fail(cmd string, err error) int {
	var ce *cmdError
	if !errors.As(err, &ce) {
		e.errorf("%s", reason(err))
		return exitInvalid
	}
	e.errorf("%s", ce.msg)
	for _, h := range ce.hints {
		e.hintf("%s", h)
	}
	if ce.code == exitUsage && len(ce.hints) == 0 {
		e.hintf("run \"ward %s -h\" for usage", cmd)
	}
	return ce.code
}

// reason returns the message of a library error without the package
// prefixes ("jwt: ", "jws: ", "jwe: ", "jwk: ") that only repeat what ward's own
// prefix already says.
func reason(err error) string { return inspect.Reason(err) }

// stringList is a flag that may be repeated.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(s string) error {
	*l = append(*l, s)
	return nil
}
