package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	kr "github.com/wardauth/ward/auth/keyring"
)

// KEKSize is the size in bytes of a key-encryption key.
const KEKSize = kr.KEKSize

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

// RewrapResult reports what [Service.RewrapKEK] re-sealed.
type RewrapResult = kr.RewrapResult

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
	now := s.now()
	var (
		res    *RewrapResult
		commit func()
	)
	err := s.update(ctx, func(tx Tx, l *txlog) error {
		var err error
		res, commit, err = s.keys.ring.Rewrap(tx, newKEK)
		switch {
		case errors.Is(err, kr.ErrKEKSize):
			return Errorf(CodeInvalidRequest, "The new key-encryption key must have %d bytes.", KEKSize)
		case errors.Is(err, kr.ErrSameKEK):
			return Errorf(CodeInvalidRequest, "The new key-encryption key is the current one.")
		case err != nil:
			return err
		}
		ev := s.event(now, EventKEKRewrap, OutcomeSuccess, meta)
		ev.Detail = fmt.Sprintf("keys=%d secrets=%d refused=%d", res.Keys, res.Secrets, len(res.Refused))
		l.audit(ev)
		return nil
	})
	if err != nil {
		return nil, err
	}
	commit()
	return res, nil
}
