package httpauth

import (
	"context"
	"errors"

	"github.com/wardauth/ward/jose/jwk"
)

// A KeySource supplies the keys an [Authenticator] verifies tokens with.
// [*RemoteKeySet] reads them from an issuer's JWKS; [StaticKeys] holds a
// fixed set; the auth server adapts its own keyring.
//
// The authenticator builds one verifier per distinct *jwk.Set it gets, so
// a source should return the same pointer for as long as its keys do not
// change, and a new one when they do.
type KeySource interface {
	// KeySet returns the current keys. It is called for every request and
	// must be cheap (an atomic load). An error (no keys loaded yet) makes
	// the request fail with [ErrUnavailable].
	KeySet() (*jwk.Set, error)
	// MissingKey is called when a token names a key ID kid ("" for a
	// token without "kid") that the set from KeySet does not hold. A
	// source that can learn new keys may fetch them, at a rate it bounds,
	// and returns the keys it holds afterwards, which may still lack kid.
	// ctx is the request's.
	MissingKey(ctx context.Context, kid string) (*jwk.Set, error)
}

// StaticKeys returns a [KeySource] that always supplies set: for tests,
// and for services given their issuer's public keys in configuration.
func StaticKeys(set *jwk.Set) KeySource { return staticKeys{set} }

type staticKeys struct{ set *jwk.Set }

var errNoKeys = errors.New("httpauth: the key source has no keys")

func (s staticKeys) KeySet() (*jwk.Set, error) {
	if s.set == nil || s.set.Len() == 0 {
		return nil, errNoKeys
	}
	return s.set, nil
}

func (s staticKeys) MissingKey(context.Context, string) (*jwk.Set, error) { return s.KeySet() }
