package auth

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
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

// errSealed is the error of every failure to open sealed data.
var errSealed = errors.New("auth: cannot decrypt a sealed secret: wrong key-encryption key, or the data was altered")

func (s *sealer) open(sealed []byte, ad string) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < 1+n || sealed[0] != sealVersion {
		return nil, errors.New("auth: sealed secret is malformed")
	}
	pt, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(ad))
	if err != nil {
		return nil, errSealed
	}
	return pt, nil
}

// keyAD is the associated data of a sealed private key: its kid and alg.
func keyAD(kid, alg string) string { return "ward signing key\x00" + kid + "\x00" + alg }

// secretAD is the associated data of a sealed secret stored under name
// ([Tx.PutSecret]). Every stored secret is sealed with it, so that
// [Service.RewrapKEK] can re-seal each one.
func secretAD(name string) string { return "ward secret v2\x00" + name }

// sealSecret and openSecret seal and open the secret stored under name.
func (s *sealer) sealSecret(name string, pt []byte) []byte { return s.seal(pt, secretAD(name)) }

func (s *sealer) openSecret(name string, sealed []byte) ([]byte, error) {
	return s.open(sealed, secretAD(name))
}

// recordMAC returns the MAC of every field of r but MAC: HMAC-SHA256 under
// the key derived from the KEK, over the fields length-prefixed, times in
// whole microseconds (what every store keeps).
func (s *sealer) recordMAC(r *KeyRecord) []byte {
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
func (s *sealer) authentic(r *KeyRecord) bool {
	return len(r.MAC) == sha256.Size && hmac.Equal(r.MAC, s.recordMAC(r))
}

// RewrapResult reports what [Service.RewrapKEK] re-sealed.
type RewrapResult struct {
	Keys    int // signing key records
	Secrets int // sealed secrets (the refresh-token MAC secret, …)
	// Refused lists the kids of key records that were not authenticated
	// under the old key-encryption key (written to the database by hand):
	// they are left as they are, and stay refused.
	Refused []string
}

// RewrapKEK rotates the key-encryption key: it re-seals every signing key
// and every sealed secret under newKEK and gives every key record its MAC
// under newKEK, all in one store transaction, so that the store opens
// with either the old key (before) or the new one (after), never with a
// mix. The service itself uses newKEK from then on. Other services over
// the same store (a running ward serve) keep the keys they hold in memory
// but can neither load nor rotate keys until they are restarted with
// newKEK; the old key opens nothing any more. The rewrap is audited
// ("kek_rewrap", detail "keys=… secrets=… refused=…") in the same
// transaction. Errors: [CodeInvalidRequest] (newKEK is not a key, or is
// the current one), and a failure to open a stored secret under the
// current key (nothing is changed then).
func (s *Service) RewrapKEK(ctx context.Context, newKEK []byte, meta RequestMeta) (*RewrapResult, error) {
	nsl, err := newSealer(newKEK)
	if err != nil {
		return nil, Errorf(CodeInvalidRequest, "The new key-encryption key must have %d bytes.", KEKSize)
	}
	osl := s.keys.sealer()
	if hmac.Equal(osl.macKey, nsl.macKey) {
		return nil, Errorf(CodeInvalidRequest, "The new key-encryption key is the current one.")
	}
	now := s.now()
	var res *RewrapResult
	err = s.update(ctx, func(tx Tx, l *txlog) error {
		res = &RewrapResult{}
		if err := tx.LockKeys(); err != nil {
			return err
		}
		names, err := tx.SecretNames()
		if err != nil {
			return err
		}
		for _, name := range names {
			sealed, err := tx.Secret(name)
			if err != nil {
				return err
			}
			pt, err := osl.openSecret(name, sealed)
			if err != nil {
				return fmt.Errorf("auth: the secret %q does not open under the current key-encryption key: %w", name, err)
			}
			err = tx.PutSecret(name, nsl.sealSecret(name, pt))
			clear(pt)
			if err != nil {
				return err
			}
			res.Secrets++
		}
		recs, err := tx.Keys()
		if err != nil {
			return err
		}
		for _, r := range recs {
			if !osl.authentic(r) {
				res.Refused = append(res.Refused, r.KeyID)
				continue
			}
			pt, err := osl.open(r.Private, keyAD(r.KeyID, r.Algorithm))
			if err != nil {
				return fmt.Errorf("auth: signing key %s: %w", r.KeyID, err)
			}
			r.Private = nsl.seal(pt, keyAD(r.KeyID, r.Algorithm))
			clear(pt)
			r.MAC = nsl.recordMAC(r)
			if err := tx.PutKey(r); err != nil {
				return err
			}
			res.Keys++
		}
		ev := s.event(now, EventKEKRewrap, OutcomeSuccess, meta)
		ev.Detail = fmt.Sprintf("keys=%d secrets=%d refused=%d", res.Keys, res.Secrets, len(res.Refused))
		l.audit(ev)
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.keys.seal.Store(nsl)
	return res, nil
}
