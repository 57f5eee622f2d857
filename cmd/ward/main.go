// Command ward makes keys, signs, verifies and decodes JSON Web Tokens.
//
// Run "ward help" for the list of commands, and "ward help COMMAND" for the
// flags and worked examples of one.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
)

const usage = `Usage: ward COMMAND [flags] [args]

Commands:
    keygen      generate a signing key (JWK) and print its public half
    sign        sign claims into a token
    verify      verify a token and print its claims
    decode      show what a token contains, without verifying it
    thumbprint  print the RFC 7638 thumbprint of a key
    version     print the version of ward
    help        show the usage of a command

Run "ward help COMMAND" or "ward COMMAND -h" for the flags of a command.

Exit status: 0 on success, 1 when a token is invalid or an operation
fails, 2 on a usage error.

Examples:
    $ ward keygen --alg ES256 --out key.jwk --public key.pub.jwk
    $ ward sign --key key.jwk --iss https://auth.example --aud api --sub alice > token.txt
    $ ward verify --key key.pub.jwk --iss https://auth.example --aud api token.txt
    $ ward decode token.txt
`

// Exit statuses.
const (
	exitOK      = 0
	exitInvalid = 1 // an invalid token or a failed operation
	exitUsage   = 2
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

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

// run runs the ward command line args and returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "keygen":
		return runKeygen(e, args)
	case "sign":
		return runSign(e, args)
	case "verify":
		return runVerify(e, args)
	case "decode":
		return runDecode(e, args)
	case "thumbprint":
		return runThumbprint(e, args)
	case "version", "-version", "--version":
		return runVersion(e, args)
	case "help", "-h", "-help", "--help":
		return runHelp(e, args)
	}
	e.errorf("unknown command %q", cmd)
	e.hintf("run \"ward help\" for the list of commands")
	return exitUsage
}

// commandUsage returns the usage text of a command, or "" if there is no
// such command.
func commandUsage(cmd string) string {
	switch cmd {
	case "keygen":
		return keygenUsage
	case "sign":
		return signUsage
	case "verify":
		return verifyUsage
	case "decode":
		return decodeUsage
	case "thumbprint":
		return thumbprintUsage
	case "version":
		return versionUsage
	case "help":
		return helpUsage
	}
	return ""
}

const helpUsage = `Usage: ward help [COMMAND]

Prints the usage of ward, or of one command, on standard output.

Examples:
    $ ward help
    $ ward help verify
`

func runHelp(e *env, args []string) int {
	switch len(args) {
	case 0:
		fmt.Fprint(e.stdout, usage)
		return exitOK
	case 1:
		if args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
			fmt.Fprint(e.stdout, helpUsage)
			return exitOK
		}
		if u := commandUsage(args[0]); u != "" {
			fmt.Fprint(e.stdout, u)
			return exitOK
		}
		e.errorf("unknown command %q", args[0])
		e.hintf("run \"ward help\" for the list of commands")
		return exitUsage
	}
	e.errorf("help takes at most one command name")
	return exitUsage
}

const versionUsage = `Usage: ward version

Prints the version of ward (the module version it was built from).

Examples:
    $ ward version
`

func runVersion(e *env, args []string) int {
	fs := newFlagSet("version")
	pos, code := parseFlags(e, fs, args, versionUsage)
	if code >= 0 {
		return code
	}
	if len(pos) != 0 {
		return usageError(e, "version", "version takes no arguments")
	}
	v := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		v = bi.Main.Version
	}
	fmt.Fprintf(e.stdout, "ward %s\n", v)
	return exitOK
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
// prefixes ("jwt: ", "jws: ", "jwk: ") that only repeat what ward's own
// prefix already says.
func reason(err error) string {
	msg := err.Error()
	for {
		trimmed := msg
		for _, p := range []string{"jwt: ", "jws: ", "jwk: "} {
			trimmed = strings.TrimPrefix(trimmed, p)
		}
		if trimmed == msg {
			return msg
		}
		msg = trimmed
	}
}

// stringList is a flag that may be repeated.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(s string) error {
	*l = append(*l, s)
	return nil
}
