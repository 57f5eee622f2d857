package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// readPasswordNoEcho reads a line from the terminal f with echo turned off.
func readPasswordNoEcho(f *os.File) (string, error) {
	if f == nil {
		return "", failf("standard input is not a terminal")
	}
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return "", failf("reading the password: %v", err)
	}
	t := *old
	t.Lflag &^= unix.ECHO
	t.Lflag |= unix.ICANON | unix.ISIG
	t.Iflag |= unix.ICRNL
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &t); err != nil {
		return "", failf("reading the password: %v", err)
	}
	defer unix.IoctlSetTermios(fd, unix.TCSETS, old)
	var line []byte
	b := make([]byte, 1)
	for len(line) < maxPassword {
		n, err := f.Read(b)
		if n == 0 || err != nil || b[0] == '\n' {
			break
		}
		line = append(line, b[0])
	}
	return trimNewline(string(line)), nil
}
