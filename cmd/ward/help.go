package main

import (
	"fmt"
	"runtime/debug"
)

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
