package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// KEKSize is the size in bytes of a key-encryption key.
const KEKSize = 32

// ErrSealed is the error of every failure to open sealed data: a wrong
// key-encryption key, or altered data.
var ErrSealed = errors.New("keyring: cannot decrypt a sealed secret: wrong key-encryption key, or the data was altered")

// sealer encrypts secrets at rest with AES-256-GCM under the KEK, and
// authenticates key records with HMAC-SHA256 under a key derived from it.
type sealer struct {
	aead   cipher.AEAD
	macKey []byte
}

// recordMACInfo is the HKDF info of the key-record MAC key.
const recordMACInfo = "ward key record mac v1"

func newSealer(kek []byte) (*sealer, error) {
	if len(kek) != KEKSize {
		return nil, fmt.Errorf("keyring: key-encryption key has %d bytes, want %d", len(kek), KEKSize)
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	macKey, err := hkdf.Key(sha256.New, kek, nil, recordMACInfo, sha256.Size)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead, macKey: macKey}, nil
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
		return nil, errors.New("keyring: sealed secret is malformed")
	}
	pt, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(ad))
	if err != nil {
		return nil, ErrSealed
	}
	return pt, nil
}

// keyAD is the associated data of a sealed private key: its kid and alg.
func keyAD(kid, alg string) string { return "ward signing key\x00" + kid + "\x00" + alg }

// secretAD is the associated data of a sealed secret stored under name.
// Every stored secret is sealed with it, so that [Ring.Rewrap] can re-seal
// each one.
func secretAD(name string) string { return "ward secret v2\x00" + name }

func (s *sealer) sealSecret(name string, pt []byte) []byte { return s.seal(pt, secretAD(name)) }

func (s *sealer) openSecret(name string, sealed []byte) ([]byte, error) {
	return s.open(sealed, secretAD(name))
}

// recordMAC returns the MAC of every field of r but MAC: HMAC-SHA256 under
// the key derived from the KEK, over the fields length-prefixed, times in
// whole microseconds (what every store keeps).
func (s *sealer) recordMAC(r *Record) []byte {
	h := hmac.New(sha256.New, s.macKey)
	var buf [8]byte
	field := func(b []byte) {
		binary.BigEndian.PutUint64(buf[:], uint64(len(b)))
		h.Write(buf[:])
		h.Write(b)
	}
	field([]byte("ward key record v1"))
	field([]byte(r.KeyID))
	field([]byte(r.Algorithm))
	field([]byte(r.State))
	field(r.Private)
	field(r.Public)
	for _, t := range []time.Time{r.CreatedAt, r.ActivateAt, r.ActivatedAt, r.RetiredAt, r.RevokedAt} {
		var us int64
		if !t.IsZero() {
			us = t.UnixMicro()
		}
		binary.BigEndian.PutUint64(buf[:], uint64(us))
		h.Write(buf[:])
	}
	return h.Sum(nil)
}

// authentic reports whether r's MAC is the one [sealer.recordMAC] gives.
func (s *sealer) authentic(r *Record) bool {
	return len(r.MAC) == sha256.Size && hmac.Equal(r.MAC, s.recordMAC(r))
}
