package jwe

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/binary"
	"hash"
)

// Content encryption ([RFC 7518, Section 5]): AES-GCM with a 96-bit IV and
// a 128-bit tag, and AES-CBC with HMAC-SHA-2 (Section 5.2), whose key is
// MAC_KEY || ENC_KEY and whose tag is the first half of
// HMAC(MAC_KEY, AAD || IV || ciphertext || AL).
//
// [RFC 7518, Section 5]: https://www.rfc-editor.org/rfc/rfc7518#section-5

// ivSize returns the initialization vector size of e.
func (e Encryption) ivSize() int {
	if e == A128GCM || e == A256GCM {
		return 12
	}
	return aes.BlockSize
}

// tagSize returns the authentication tag size of e.
func (e Encryption) tagSize() int {
	if e == A256CBCHS512 {
		return 32
	}
	return 16
}

func (e Encryption) isGCM() bool { return e == A128GCM || e == A256GCM }

// newGCM returns the AEAD for a GCM content-encryption key.
func newGCM(cek []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// cbcHMAC is the AES-CBC-HMAC-SHA-2 composite of RFC 7518, Section 5.2.
type cbcHMAC struct {
	block  cipher.Block
	macKey []byte
	hash   func() hash.Hash
	tagLen int
}

func newCBCHMAC(e Encryption, cek []byte) (*cbcHMAC, error) {
	half := len(cek) / 2
	block, err := aes.NewCipher(cek[half:])
	if err != nil {
		return nil, err
	}
	c := &cbcHMAC{block: block, macKey: cek[:half], hash: sha256.New, tagLen: 16}
	if e == A256CBCHS512 {
		c.hash, c.tagLen = sha512.New, 32
	}
	return c, nil
}

// tag computes the authentication tag of RFC 7518, Section 5.2.2.1 step 5
// into dst, which must be c.tagLen bytes.
func (c *cbcHMAC) tag(dst, aad, iv, ciphertext []byte) {
	m := hmac.New(c.hash, c.macKey)
	m.Write(aad)
	m.Write(iv)
	m.Write(ciphertext)
	var al [8]byte
	binary.BigEndian.PutUint64(al[:], uint64(len(aad))*8)
	m.Write(al[:])
	var sum [sha512.Size]byte
	copy(dst, m.Sum(sum[:0]))
}

// seal appends the ciphertext of plaintext (PKCS #7 padded) to dst and
// writes the tag into tag.
func (c *cbcHMAC) seal(dst, iv, plaintext, aad, tag []byte) []byte {
	pad := aes.BlockSize - len(plaintext)%aes.BlockSize
	start := len(dst)
	dst = append(dst, plaintext...)
	for range pad {
		dst = append(dst, byte(pad))
	}
	ct := dst[start:]
	cipher.NewCBCEncrypter(c.block, iv).CryptBlocks(ct, ct)
	c.tag(tag, aad, iv, ct)
	return dst
}

// open checks the tag of ciphertext in constant time, and only then
// decrypts it in place and removes the padding (RFC 7518, Section 5.2.2.2).
// It returns the plaintext, aliasing ciphertext, or false.
func (c *cbcHMAC) open(iv, ciphertext, aad, tag []byte) ([]byte, bool) {
	var want [32]byte
	c.tag(want[:c.tagLen], aad, iv, ciphertext)
	if subtle.ConstantTimeCompare(want[:c.tagLen], tag) != 1 {
		return nil, false
	}
	if len(ciphertext) == 0 || len(ciphertext)%aes.BlockSize != 0 {
		return nil, false
	}
	cipher.NewCBCDecrypter(c.block, iv).CryptBlocks(ciphertext, ciphertext)
	pad := int(ciphertext[len(ciphertext)-1])
	if pad == 0 || pad > aes.BlockSize {
		return nil, false
	}
	for _, b := range ciphertext[len(ciphertext)-pad:] {
		if int(b) != pad {
			return nil, false
		}
	}
	return ciphertext[:len(ciphertext)-pad], true
}
