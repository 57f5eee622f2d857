package jwe

import (
	"crypto/sha256"
	"encoding/binary"
)

// concatKDF derives size bytes from the ECDH shared secret z with the Concat
// KDF of NIST SP 800-56A, Section 5.8.1, as [RFC 7518, Section 4.6.2]
// instantiates it: SHA-256, and OtherInfo = AlgorithmID || PartyUInfo ||
// PartyVInfo || SuppPubInfo, the first three length-prefixed, SuppPubInfo
// the key size in bits, SuppPrivInfo empty.
//
// [RFC 7518, Section 4.6.2]: https://www.rfc-editor.org/rfc/rfc7518#section-4.6.2
func concatKDF(dst []byte, z []byte, algID string, apu, apv []byte, size int) []byte {
	var n [4]byte
	bits := uint32(size * 8)
	h := sha256.New()
	var sum [sha256.Size]byte
	for counter := uint32(1); size > 0; counter++ {
		h.Reset()
		binary.BigEndian.PutUint32(n[:], counter)
		h.Write(n[:])
		h.Write(z)
		binary.BigEndian.PutUint32(n[:], uint32(len(algID)))
		h.Write(n[:])
		h.Write([]byte(algID))
		binary.BigEndian.PutUint32(n[:], uint32(len(apu)))
		h.Write(n[:])
		h.Write(apu)
		binary.BigEndian.PutUint32(n[:], uint32(len(apv)))
		h.Write(n[:])
		h.Write(apv)
		binary.BigEndian.PutUint32(n[:], bits)
		h.Write(n[:])
		s := h.Sum(sum[:0])
		take := min(size, len(s))
		dst = append(dst, s[:take]...)
		size -= take
	}
	return dst
}
