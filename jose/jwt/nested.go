package jwt

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"sync"

	"github.com/wardauth/ward/jose/jwe"
	"github.com/wardauth/ward/jose/jwk"
)

// ErrNotNested means a token given to a [Decrypter] is not a nested JWT: it
// is a JWS (three segments) where a JWE is required, its JWE header "cty"
// is not "JWT", or what it encrypts is not a JWS. Errors of the outer JWE
// also wrap the errors of package jwe ([jwe.ErrDecryption] and the like).
var ErrNotNested = errors.New("jwt: not a nested (signed, then encrypted) JWT")

// A Decrypter checks nested JWTs ([RFC 7519, Section 5.2]): tokens signed as
// a JWS, then encrypted as a JWE with "cty":"JWT". It decrypts the outer JWE
// with JWE, then verifies the inner JWS and its claims with Verifier, so the
// inner token must be signed (never "none"), by a key of the Verifier, with
// an algorithm the Verifier allows. A JWS is never accepted in place of the
// JWE, nor a JWE in place of the inner JWS.
//
// A Decrypter is configured like [crypto/tls.Config]: set the fields, then
// call [Decrypter.Verify] from any number of goroutines; it must not be
// modified after its first use.
//
// [RFC 7519, Section 5.2]: https://www.rfc-editor.org/rfc/rfc7519#section-5.2
type Decrypter struct {
	// JWE decrypts the outer token: the decryption keys and the allow-lists
	// of key-management and content-encryption algorithms. Nil: every
	// token fails with [ErrMisconfigured].
	JWE *jwe.Decrypter

	// Verifier checks the inner token and its claims. Nil: every token
	// fails with [ErrMisconfigured]. An HMAC key of the Verifier that is
	// also a decryption key (the same secret) makes the Decrypter
	// misconfigured: a token encrypted with a shared secret must not also
	// be authenticated by it.
	Verifier *Verifier

	once sync.Once
	err  error
}

// Check reports whether d is usable, with the error every token would get
// while it is not.
func (d *Decrypter) Check() error {
	d.once.Do(func() { d.err = d.prepare() })
	return d.err
}

func (d *Decrypter) prepare() error {
	if d.JWE == nil || d.Verifier == nil {
		return fmt.Errorf("%w: Decrypter needs both JWE and Verifier", ErrMisconfigured)
	}
	if err := d.JWE.Check(); err != nil {
		return fmt.Errorf("%w: %w", ErrMisconfigured, err)
	}
	d.Verifier.init()
	if err := d.Verifier.setup.err; err != nil {
		return err
	}
	if d.Verifier.Keys != nil && d.JWE.Keys != nil && sharedSecret(d.Verifier.Keys.Keys(), d.JWE.Keys.Keys()) {
		return fmt.Errorf("%w: an HMAC verification key is also a decryption key", ErrMisconfigured)
	}
	return nil
}

// sharedSecret reports whether a secret key of a has the same secret as a
// secret key of b, comparing in constant time.
func sharedSecret(a, b []jwk.Key) bool {
	same := false
	for _, x := range a {
		sx, ok := x.(*jwk.SecretKey)
		if !ok {
			continue
		}
		for _, y := range b {
			if sy, ok := y.(*jwk.SecretKey); ok && subtle.ConstantTimeCompare(sx.Secret(), sy.Secret()) == 1 {
				same = true
			}
		}
	}
	return same
}

// Verify decrypts token, verifies the JWT inside it and returns its
// registered claims.
func (d *Decrypter) Verify(token string) (*Claims, error) {
	c := new(Claims)
	if err := d.verify(token, func(inner string) error { return d.Verifier.verify(inner, c, nil) }); err != nil {
		return nil, err
	}
	return c, nil
}

// VerifyInto is [Decrypter.Verify] decoding the claims into claims, as
// [Verifier.VerifyInto] does.
func (d *Decrypter) VerifyInto(token string, claims any) error {
	return d.verify(token, func(inner string) error { return d.Verifier.VerifyInto(inner, claims) })
}

func (d *Decrypter) verify(token string, check func(inner string) error) error {
	if err := d.Check(); err != nil {
		return err
	}
	var res jwe.Decrypted
	if err := d.JWE.DecryptInto(token, &res); err != nil {
		if errors.Is(err, jwe.ErrMalformed) {
			return fmt.Errorf("%w: %w", ErrNotNested, err)
		}
		return err
	}
	// RFC 7519, Section 5.2: "cty" is "JWT" for a nested JWT.
	if !sameMediaType(res.Header.ContentType, "JWT") {
		return fmt.Errorf("%w: JWE \"cty\" is %q, want \"JWT\"", ErrNotNested, res.Header.ContentType)
	}
	if err := check(string(res.Plaintext)); err != nil {
		if errors.Is(err, ErrMalformed) {
			return fmt.Errorf("%w: inner token: %w", ErrNotNested, err)
		}
		return err
	}
	return nil
}

// An Encrypter makes nested JWTs: it signs the claims with Signer, then
// encrypts the token to Key with "cty":"JWT" ([RFC 7519, Section 5.2]). It
// must not be modified after its first use, and is safe for concurrent use.
//
// [RFC 7519, Section 5.2]: https://www.rfc-editor.org/rfc/rfc7519#section-5.2
type Encrypter struct {
	// Signer signs the inner token. Nil: every call fails with
	// [ErrMisconfigured].
	Signer *Signer

	// Key encrypts the outer token: a public key bound to RSA-OAEP,
	// RSA-OAEP-256 or an ECDH-ES algorithm, or a secret key bound to dir,
	// A128KW, A256KW or a PBES2 algorithm. A secret that is also the
	// Signer's HMAC key fails with [ErrMisconfigured].
	Key jwk.Key

	// Options are the JWE options: the content encryption ("enc"),
	// compression and so on. "cty" is always "JWT"; another ContentType
	// fails with [ErrMisconfigured].
	Options jwe.EncryptOptions
}

// Encrypt signs claims (see [Signer.Sign]) and encrypts the result.
func (e *Encrypter) Encrypt(claims any) (string, error) {
	if e.Signer == nil || e.Key == nil {
		return "", fmt.Errorf("%w: Encrypter needs a Signer and a Key", ErrMisconfigured)
	}
	if e.Signer.Key != nil && sharedSecret([]jwk.Key{e.Signer.Key}, []jwk.Key{e.Key}) {
		return "", fmt.Errorf("%w: the HMAC signing key is also the encryption key", ErrMisconfigured)
	}
	o := e.Options
	if o.ContentType != "" && !sameMediaType(o.ContentType, "JWT") {
		return "", fmt.Errorf("%w: a nested JWT has \"cty\":\"JWT\", not %q", ErrMisconfigured, o.ContentType)
	}
	o.ContentType = "JWT"
	inner, err := e.Signer.Sign(claims)
	if err != nil {
		return "", err
	}
	return jwe.Encrypt([]byte(inner), e.Key, &o)
}
