package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// KEKSize is the size in bytes of a key-encryption key.
const KEKSize = 32

// kekPrefix starts the text form of a key-encryption key, so that the
// text says what it is.
const kekPrefix = "WARD-KEK-1:"

// NewKEK returns a new random key-encryption key in its text form,
// "WARD-KEK-1:" followed by 32 bytes in unpadded base64url. Store it apart
// from the database (a file with mode 0600, a secret manager): whoever
// holds it and the database can sign tokens.
func NewKEK() string {
	k := make([]byte, KEKSize)
	rand.Read(k)
	return kekPrefix + base64.RawURLEncoding.EncodeToString(k)
}

// ParseKEK returns the key of a key-encryption key's text form (see
// [NewKEK]); white space around it is ignored.
func ParseKEK(text string) ([]byte, error) {
	text = strings.TrimSpace(text)
	rest, ok := strings.CutPrefix(text, kekPrefix)
	if !ok {
		return nil, errors.New(`auth: key-encryption key must start with "WARD-KEK-1:"`)
	}
	k, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(k) != KEKSize {
		return nil, fmt.Errorf("auth: key-encryption key must hold %d bytes in unpadded base64url", KEKSize)
	}
	return k, nil
}

// sealer encrypts secrets at rest with AES-256-GCM under the KEK.
type sealer struct{ aead cipher.AEAD }

func newSealer(kek []byte) (*sealer, error) {
	if len(kek) != KEKSize {
		return nil, fmt.Errorf("auth: key-encryption key has %d bytes, want %d", len(kek), KEKSize)
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

// sealVersion is the first byte of sealed data.
const sealVersion = 1

// seal returns version || nonce || ciphertext of plaintext, with ad as
// associated data.
func (s *sealer) seal(plaintext []byte, ad string) []byte {
	out := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	out[0] = sealVersion
	rand.Read(out[1:])
	return s.aead.Seal(out, out[1:], plaintext, []byte(ad))
}

func (s *sealer) open(sealed []byte, ad string) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < 1+n || sealed[0] != sealVersion {
		return nil, errors.New("auth: sealed secret is malformed")
	}
	pt, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(ad))
	if err != nil {
		return nil, errors.New("auth: cannot decrypt a sealed secret: wrong key-encryption key, or the data was altered")
	}
	return pt, nil
}

// keyAD is the associated data of a sealed private key: its kid and alg.
func keyAD(kid, alg string) string { return "ward signing key\x00" + kid + "\x00" + alg }
