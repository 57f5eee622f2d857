//go:build !linux

package main

import "os"

// readPasswordNoEcho is not implemented here: without a way to turn off
// echo, ward does not ask for a password on the terminal.
func readPasswordNoEcho(*os.File) (string, error) {
	return "", usagef([]string{"give it with --password-file FILE or on standard input"}, "cannot ask for a password on this system's terminal")
}
