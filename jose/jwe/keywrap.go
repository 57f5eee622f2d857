package jwe

import (
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
)

// AES Key Wrap ([RFC 3394], used by [RFC 7518, Section 4.4]) with the
// default initial value A6A6A6A6A6A6A6A6.
//
// [RFC 3394]: https://www.rfc-editor.org/rfc/rfc3394
// [RFC 7518, Section 4.4]: https://www.rfc-editor.org/rfc/rfc7518#section-4.4

var kwIV = [8]byte{0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6}

// wrapKey appends the AES key wrap of cek (a multiple of 8 bytes, at least
// 16) under block to dst: len(cek)+8 bytes (RFC 3394, Section 2.2.1).
func wrapKey(dst []byte, block cipher.Block, cek []byte) []byte {
	n := len(cek) / 8
	start := len(dst)
	dst = append(dst, kwIV[:]...)
	dst = append(dst, cek...)
	out := dst[start:]
	var b [16]byte
	for j := 0; j < 6; j++ {
		for i := 1; i <= n; i++ {
			copy(b[:8], out[:8])
			copy(b[8:], out[8*i:8*i+8])
			block.Encrypt(b[:], b[:])
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(out[:8], binary.BigEndian.Uint64(b[:8])^t)
			copy(out[8*i:8*i+8], b[8:])
		}
	}
	return dst
}

// unwrapKey unwraps wrapped (len(dst)+8 bytes) under block into dst and
// reports, in constant time, whether the integrity check passed (RFC 3394,
// Section 2.2.2). dst holds garbage when it did not.
func unwrapKey(dst []byte, block cipher.Block, wrapped []byte) bool {
	n := len(wrapped)/8 - 1
	if n < 2 || len(dst) != 8*n || len(wrapped)%8 != 0 {
		return false
	}
	var a [8]byte
	copy(a[:], wrapped[:8])
	copy(dst, wrapped[8:])
	var b [16]byte
	for j := 5; j >= 0; j-- {
		for i := n; i >= 1; i-- {
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(b[:8], binary.BigEndian.Uint64(a[:])^t)
			copy(b[8:], dst[8*(i-1):8*i])
			block.Decrypt(b[:], b[:])
			copy(a[:], b[:8])
			copy(dst[8*(i-1):8*i], b[8:])
		}
	}
	return subtle.ConstantTimeCompare(a[:], kwIV[:]) == 1
}
