package jwe

import "unsafe"

// bytesOf returns the bytes of s without copying. The result must not be
// modified.
func bytesOf(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
