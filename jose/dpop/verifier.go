package dpop

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jws"
)

// Defaults and limits of a [Verifier].
const (
	// DefaultWindow is how long after its "iat" a proof is accepted when
	// [Verifier.Window] is zero.
	DefaultWindow = time.Minute
	// MaxWindow is the largest [Verifier.Window] accepted. A longer window
	// lets a captured proof be used longer and keeps more "jti" values in
	// the replay cache.
	MaxWindow = time.Hour
	// DefaultLeeway is the clock skew allowed around "iat" when
	// [Verifier.Leeway] is zero.
	DefaultLeeway = 10 * time.Second
	// MaxLeeway is the largest [Verifier.Leeway] accepted.
	MaxLeeway = 5 * time.Minute
	// NoLeeway, as [Verifier.Leeway], allows no clock skew at all.
	NoLeeway time.Duration = -1
	// DefaultMaxSize is the default limit on the length of a proof.
	DefaultMaxSize = 8 << 10
	// DefaultMaxRSABits is the largest RSA proof key accepted when
	// [Verifier.MaxRSABits] is zero.
	DefaultMaxRSABits = 4096
	// maxIDLength bounds "jti", which the replay cache keeps.
	maxIDLength = 256
)

// DefaultAlgorithms returns the algorithms a [Verifier] accepts when its
// Algorithms field is empty: every asymmetric algorithm of package jwk.
func DefaultAlgorithms() []jwk.Algorithm {
	return []jwk.Algorithm{jwk.ES256, jwk.ES384, jwk.ES512, jwk.EdDSA, jwk.PS256, jwk.PS384, jwk.PS512, jwk.RS256, jwk.RS384, jwk.RS512}
}

// A Verifier checks DPoP proofs. It is configured like
// [crypto/tls.Config]: set the fields, then call [Verifier.Verify] from any
// number of goroutines. A Verifier must not be modified after its first use.
// Each field's doc says what its zero value does; every zero value is the
// safe choice.
//
// A client signs all its proofs with one key, so all its proofs share one
// header, to the byte. A Verifier remembers the headers (and their parsed
// keys and thumbprints) of up to 1024 proofs it has accepted, and checks a
// proof with a known header by comparing it and checking the signature
// with the remembered key; what a header decides depends only on its bytes
// and on the Verifier's configuration, so the result is the same.
type Verifier struct {
	// Algorithms is the allow-list of proof algorithms. Every entry must
	// be asymmetric (an HMAC algorithm makes every proof fail with
	// [ErrMisconfigured]). Empty: [DefaultAlgorithms].
	Algorithms []jwk.Algorithm

	// Window is how long after its "iat" a proof is accepted. Zero:
	// [DefaultWindow]. More than [MaxWindow], or negative: every proof
	// fails with [ErrMisconfigured].
	Window time.Duration

	// Leeway is the clock skew allowed around "iat", on both sides of the
	// window. Zero: [DefaultLeeway]. [NoLeeway] (or any negative value):
	// none. More than [MaxLeeway]: every proof fails with
	// [ErrMisconfigured].
	Leeway time.Duration

	// Now returns the current time. Nil: [time.Now].
	Now func() time.Time

	// Replay remembers the proofs already accepted, so that a replayed
	// one fails with [ErrReplay]. Several servers that accept the same
	// proofs must share one. Nil: a [MemoryCache] of this Verifier's own,
	// with [DefaultReplayCacheSize] entries.
	Replay ReplayCache

	// MaxSize limits the length of a proof in bytes. Zero:
	// [DefaultMaxSize] (8 KiB).
	MaxSize int

	// MaxRSABits is the largest RSA modulus accepted in a proof key; the
	// smallest is [jwk.MinRSABits]. Zero: [DefaultMaxRSABits]. Outside
	// [jwk.MinRSABits, jwk.MaxRSABits]: every proof fails with
	// [ErrMisconfigured].
	MaxRSABits int

	once    sync.Once
	setup   verifierSetup
	headers headerCache
}

type verifierSetup struct {
	err        error
	opts       jws.VerifyOptions
	window     time.Duration
	leeway     time.Duration
	maxRSABits int
	replay     ReplayCache
}

func (v *Verifier) init() {
	v.once.Do(func() { v.setup = v.prepare() })
}

func (v *Verifier) prepare() verifierSetup {
	fail := func(format string, args ...any) verifierSetup {
		return verifierSetup{err: fmt.Errorf("%w: "+format, append([]any{ErrMisconfigured}, args...)...)}
	}
	s := verifierSetup{window: v.Window, leeway: v.Leeway, maxRSABits: v.MaxRSABits, replay: v.Replay}
	switch {
	case s.window == 0:
		s.window = DefaultWindow
	case s.window < 0 || s.window > MaxWindow:
		return fail("Window %v is outside (0, %v]", v.Window, MaxWindow)
	}
	switch {
	case s.leeway == 0:
		s.leeway = DefaultLeeway
	case s.leeway < 0:
		s.leeway = 0
	case s.leeway > MaxLeeway:
		return fail("Leeway %v exceeds %v", v.Leeway, MaxLeeway)
	}
	switch {
	case s.maxRSABits == 0:
		s.maxRSABits = DefaultMaxRSABits
	case s.maxRSABits < jwk.MinRSABits || s.maxRSABits > jwk.MaxRSABits:
		return fail("MaxRSABits %d is outside [%d, %d]", v.MaxRSABits, jwk.MinRSABits, jwk.MaxRSABits)
	}
	algs := v.Algorithms
	if len(algs) == 0 {
		algs = DefaultAlgorithms()
	}
	for _, a := range algs {
		if !a.Known() || a.KeyType() == jwk.KeyTypeOct {
			return fail("%q is not an asymmetric algorithm", string(a))
		}
	}
	maxSize := v.MaxSize
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	s.opts = jws.VerifyOptions{Algorithms: algs, MaxSize: maxSize}
	if s.replay == nil {
		s.replay = new(MemoryCache)
	}
	return s
}

// Request is what a server knows about the HTTP request that carries a
// proof, and what a client puts in one.
type Request struct {
	// Method is the HTTP method, such as "GET" or "POST", compared with
	// "htm" exactly (methods are case-sensitive, RFC 9110, Section 9.1).
	Method string

	// URI is the absolute http or https URI of the request, such as
	// "https://server.example.com/token"; its query and fragment are
	// ignored. A server must build it from what it knows it serves (its
	// configured scheme, host and port, and the request path), never from
	// X-Forwarded-* or Forwarded headers, which any client can set.
	URI string

	// AccessToken is the access token sent with the proof, if any. When
	// set, the proof must carry "ath", its hash ([RFC 9449, Section 4.3],
	// check 12). Empty: "ath" is not checked.
	//
	// [RFC 9449, Section 4.3]: https://www.rfc-editor.org/rfc/rfc9449#section-4.3
	AccessToken string

	// JKT is the RFC 7638 SHA-256 thumbprint the access token is bound to
	// (its "cnf" claim's "jkt", base64url), which the proof key's
	// thumbprint must equal. Empty: not checked, as at a token endpoint,
	// which reads [Proof.Thumbprint] to bind the token it issues.
	JKT string

	// Nonce is the nonce the server gave the client in a DPoP-Nonce
	// header ([RFC 9449, Section 8]), which "nonce" must equal. Empty: no
	// nonce is required (a proof's "nonce" is then not checked).
	//
	// [RFC 9449, Section 8]: https://www.rfc-editor.org/rfc/rfc9449#section-8
	Nonce string
}

// Proof is a verified DPoP proof. Its strings share memory with one buffer
// and must not be modified.
type Proof struct {
	// ID is "jti".
	ID string
	// Method is "htm".
	Method string
	// URI is "htu", as the client wrote it.
	URI string
	// IssuedAt is "iat".
	IssuedAt time.Time
	// AccessTokenHash is "ath", or "".
	AccessTokenHash string
	// Nonce is "nonce", or "".
	Nonce string
	// Algorithm is the header "alg".
	Algorithm jwk.Algorithm
	// Key is the public key from the header "jwk".
	Key *jwk.PublicKey
	// Thumbprint is the RFC 7638 SHA-256 thumbprint of Key, base64url: the
	// "jkt" to put in the "cnf" claim of a token bound to this key.
	Thumbprint string
}

// Verify checks the DPoP proof of a request and returns it. proofs are the
// values of the request's DPoP header fields (in net/http,
// r.Header.Values("DPoP")): exactly one is required. ctx is passed to the
// replay cache.
//
// The checks, each failing with its own sentinel error, are those of
// [RFC 9449, Section 4.3] and the package documentation. A proof that
// passes every other check is recorded in the replay cache, so a second
// Verify of the same proof fails with [ErrReplay].
//
// [RFC 9449, Section 4.3]: https://www.rfc-editor.org/rfc/rfc9449#section-4.3
func (v *Verifier) Verify(ctx context.Context, proofs []string, r *Request) (*Proof, error) {
	v.init()
	s := &v.setup
	if s.err != nil {
		return nil, s.err
	}
	if r == nil || r.Method == "" {
		return nil, fmt.Errorf("%w: the request has no method", ErrMisconfigured)
	}
	want, err := parseTarget(r.URI)
	if err != nil {
		return nil, fmt.Errorf("%w: Request.URI: %v", ErrMisconfigured, err)
	}
	switch {
	case len(proofs) == 0 || len(proofs) == 1 && proofs[0] == "":
		return nil, ErrMissingProof
	case len(proofs) > 1:
		return nil, fmt.Errorf("%w: %d DPoP header fields", ErrMultipleProofs, len(proofs))
	}
	token := proofs[0]
	if len(token) > s.opts.MaxSize {
		return nil, fmt.Errorf("%w: %d bytes (limit %d)", ErrTooLarge, len(token), s.opts.MaxSize)
	}
	if strings.IndexByte(token, ',') >= 0 {
		// A JWS never holds a comma: this is a list of values.
		return nil, fmt.Errorf("%w: the DPoP header holds a list", ErrMultipleProofs)
	}

	p := new(proofState)
	if err := v.verifySignature(token, p); err != nil {
		return nil, err
	}
	if err := p.claims.parse(p.payload); err != nil {
		return nil, err
	}
	c := &p.claims
	if c.htm != r.Method {
		return nil, fmt.Errorf("%w: %q, not %q", ErrMethodMismatch, c.htm, r.Method)
	}
	if err := matchTarget(c.htu, want); err != nil {
		return nil, err
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	t := now()
	if c.iat.After(t.Add(s.leeway)) {
		return nil, fmt.Errorf("%w: iat %d", ErrIssuedInFuture, c.iat.Unix())
	}
	expires := c.iat.Add(s.window + s.leeway)
	if !t.Before(expires) {
		return nil, fmt.Errorf("%w: iat %d", ErrExpired, c.iat.Unix())
	}
	if r.AccessToken != "" {
		if c.have&hasAth == 0 {
			return nil, fmt.Errorf("%w: %w: \"ath\"", ErrAccessTokenHash, ErrMissingClaim)
		}
		if !matchHash(c.ath, r.AccessToken) {
			return nil, ErrAccessTokenHash
		}
	}
	if r.JKT != "" && r.JKT != p.thumbprint {
		return nil, ErrKeyMismatch
	}
	if r.Nonce != "" {
		if c.have&hasNonce == 0 {
			return nil, fmt.Errorf("%w: %w: \"nonce\"", ErrNonce, ErrMissingClaim)
		}
		if subtle.ConstantTimeCompare([]byte(c.nonce), []byte(r.Nonce)) != 1 {
			return nil, ErrNonce
		}
	}
	seen, err := s.replay.Seen(ctx, p.thumbprint, c.jti, t, expires)
	if err != nil {
		return nil, err
	}
	if seen {
		return nil, ErrReplay
	}
	p.proof = Proof{
		ID:              c.jti,
		Method:          c.htm,
		URI:             c.htu,
		IssuedAt:        c.iat,
		AccessTokenHash: c.ath,
		Nonce:           c.nonce,
		Algorithm:       p.alg,
		Key:             p.key,
		Thumbprint:      p.thumbprint,
	}
	return &p.proof, nil
}

// proofState holds what one Verify call learns, and its result, in one
// allocation.
type proofState struct {
	proof      Proof
	jws        jws.Verified
	claims     claims
	payload    []byte
	buf        [320]byte // the decoded payload, when it fits
	alg        jwk.Algorithm
	key        *jwk.PublicKey
	thumbprint string
	bindErr    error // the error of bind, which Verify returns as it is
}

// verifySignature checks the header and signature of token and sets
// p.payload, p.alg, p.key and p.thumbprint. A header seen before with a
// valid signature is not checked again (see headerCache).
func (v *Verifier) verifySignature(token string, p *proofState) error {
	s := &v.setup
	i := strings.IndexByte(token, '.')
	j := strings.LastIndexByte(token, '.')
	if i > 0 && j > i {
		if h, ok := v.headers.get(token[:i]); ok {
			payload := token[i+1 : j]
			n := base64url.DecodedLen(len(payload))
			if n < 0 || strings.IndexByte(payload, '.') >= 0 {
				return fmt.Errorf("%w: bad payload segment", ErrMalformed)
			}
			if n <= len(p.buf) {
				p.payload = p.buf[:n]
			} else {
				p.payload = make([]byte, n)
			}
			if _, err := base64url.Decode(p.payload, unsafe.Slice(unsafe.StringData(payload), len(payload))); err != nil {
				return fmt.Errorf("%w: payload: %w", ErrMalformed, err)
			}
			if err := jws.VerifySignature(token[:j], token[j+1:], h.key); err != nil {
				return fromJWS(err)
			}
			p.alg, p.key, p.thumbprint = h.alg, h.key, h.thumbprint
			return nil
		}
	}
	if err := jws.VerifyEmbeddedKey(token, &s.opts, p.bind(s), &p.jws); err != nil {
		if err == p.bindErr {
			return err
		}
		if errors.Is(err, jws.ErrBadSignature) && p.key != nil && !onCurve(p.key) {
			return fmt.Errorf("%w: %w: the point is not on its curve", ErrInvalidKey, jwk.ErrMalformed)
		}
		return fromJWS(err)
	}
	p.payload, p.alg = p.jws.Payload, p.jws.Header.Algorithm
	v.headers.put(token[:i], proofHeader{alg: p.alg, key: p.key, thumbprint: p.thumbprint})
	return nil
}

// bind returns the callback that checks the header of a proof and turns
// its "jwk" into the key that checks the signature.
func (p *proofState) bind(s *verifierSetup) func(jwk.Algorithm, []byte) (*jwk.PublicKey, error) {
	return func(alg jwk.Algorithm, raw []byte) (*jwk.PublicKey, error) {
		if !isDPoPType(p.jws.Header.Type) {
			p.bindErr = fmt.Errorf("%w: %q", ErrInvalidType, p.jws.Header.Type)
			return nil, p.bindErr
		}
		key, thumb, err := parseProofKey(raw, alg, s.maxRSABits)
		if err != nil {
			p.bindErr = err
			return nil, err
		}
		p.key, p.thumbprint = key, thumb
		return key, nil
	}
}

// isDPoPType reports whether typ is the media type of DPoP proofs, which
// compares case-insensitively and may omit "application/" (RFC 7515,
// Section 4.1.9).
func isDPoPType(typ string) bool {
	return strings.EqualFold(typ, "dpop+jwt") || strings.EqualFold(typ, "application/dpop+jwt")
}

// matchHash reports whether ath is the base64url SHA-256 of token
// ([RFC 9449, Section 4.2]).
//
// [RFC 9449, Section 4.2]: https://www.rfc-editor.org/rfc/rfc9449#section-4.2
func matchHash(ath, token string) bool {
	sum := sha256.Sum256(unsafe.Slice(unsafe.StringData(token), len(token))) // read only
	var enc [43]byte
	base64url.Encode(enc[:], sum[:])
	return string(enc[:]) == ath
}
