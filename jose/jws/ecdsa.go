package jws

// ECDSA signatures in JWS are R || S, each left-padded to the curve size
// ([RFC 7518, Section 3.4]); crypto/ecdsa speaks ASN.1 DER. These two
// functions convert between the forms without encoding/asn1.
//
// [RFC 7518, Section 3.4]: https://www.rfc-editor.org/rfc/rfc7518#section-3.4

// rawToDER appends the DER SEQUENCE { INTEGER r, INTEGER s } for the R || S
// signature raw. It reports false if r or s is zero, which no valid
// signature has.
func rawToDER(dst, raw []byte) ([]byte, bool) {
	half := len(raw) / 2
	r, s := trimZeros(raw[:half]), trimZeros(raw[half:])
	if len(r) == 0 || len(s) == 0 {
		return nil, false
	}
	body := intLen(r) + intLen(s)
	dst = append(dst, 0x30)
	dst = appendLength(dst, body)
	dst = appendInt(dst, r)
	dst = appendInt(dst, s)
	return dst, true
}

func trimZeros(b []byte) []byte {
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

// intLen is the encoded size of a DER INTEGER holding the positive
// big-endian value v (no leading zeros).
func intLen(v []byte) int {
	n := len(v)
	if v[0]&0x80 != 0 {
		n++
	}
	return 1 + lengthLen(n) + n
}

func lengthLen(n int) int {
	if n < 0x80 {
		return 1
	}
	return 2 // values here never exceed 255 bytes
}

func appendLength(dst []byte, n int) []byte {
	if n < 0x80 {
		return append(dst, byte(n))
	}
	return append(dst, 0x81, byte(n))
}

func appendInt(dst, v []byte) []byte {
	n := len(v)
	pad := v[0]&0x80 != 0
	if pad {
		n++
	}
	dst = append(dst, 0x02)
	dst = appendLength(dst, n)
	if pad {
		dst = append(dst, 0)
	}
	return append(dst, v...)
}

// derToRaw converts a DER ECDSA signature to R || S with each half padded to
// size bytes. It reports false for anything but a minimal DER encoding of
// two positive integers that fit.
func derToRaw(dst, der []byte, size int) ([]byte, bool) {
	body, rest, ok := readTLV(der, 0x30)
	if !ok || len(rest) != 0 {
		return nil, false
	}
	r, body, ok := readTLV(body, 0x02)
	if !ok {
		return nil, false
	}
	s, body, ok := readTLV(body, 0x02)
	if !ok || len(body) != 0 {
		return nil, false
	}
	out := dst
	for _, v := range [][]byte{r, s} {
		if len(v) == 0 || v[0]&0x80 != 0 {
			return nil, false // empty or negative
		}
		if len(v) > 1 && v[0] == 0 && v[1]&0x80 == 0 {
			return nil, false // not minimal
		}
		v = trimZeros(v)
		if len(v) == 0 || len(v) > size {
			return nil, false
		}
		for range size - len(v) {
			out = append(out, 0)
		}
		out = append(out, v...)
	}
	return out, true
}

// readTLV reads one DER element with the given tag and a definite length.
func readTLV(b []byte, tag byte) (value, rest []byte, ok bool) {
	if len(b) < 2 || b[0] != tag {
		return nil, nil, false
	}
	n := int(b[1])
	b = b[2:]
	switch {
	case n < 0x80:
	case n == 0x81:
		if len(b) < 1 || b[0] < 0x80 {
			return nil, nil, false
		}
		n = int(b[0])
		b = b[1:]
	default:
		return nil, nil, false
	}
	if len(b) < n {
		return nil, nil, false
	}
	return b[:n], b[n:], true
}
