package dpop

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/internal/strictjson"
	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jws"
)

// A Proofer makes DPoP proofs for a client, one per HTTP request. Set the
// fields, then call [Proofer.Proof] from any number of goroutines; a
// Proofer must not be modified after its first use. Each field's doc says
// what its zero value does.
type Proofer struct {
	// Key is the client's private key, which signs the proofs; its public
	// half goes into each proof's header "jwk" and its algorithm into
	// "alg". Nil: every proof fails with [ErrMisconfigured]. Keep the
	// same key for as long as the tokens bound to it are used.
	Key *jwk.PrivateKey

	// Now returns the current time, the proofs' "iat". Nil: [time.Now].
	Now func() time.Time

	// Rand is the source of each proof's random "jti" (128 bits). Nil:
	// [crypto/rand.Reader].
	Rand io.Reader
}

// NewProof makes one DPoP proof for r, signed with key: the same as
// [Proofer.Proof] on a Proofer whose only field set is Key.
func NewProof(key *jwk.PrivateKey, r *Request) (string, error) {
	return (&Proofer{Key: key}).Proof(r)
}

// Proof makes a DPoP proof for the request r ([RFC 9449, Section 4.2]):
// a JWS with "typ" "dpop+jwt", the key's algorithm and its public JWK in
// the header, and the claims "jti" (random), "htm" (r.Method), "htu"
// (r.URI without its query and fragment), "iat" (now), "ath" (the hash of
// r.AccessToken, when set) and "nonce" (r.Nonce, when set). r.JKT is not
// used.
//
// [RFC 9449, Section 4.2]: https://www.rfc-editor.org/rfc/rfc9449#section-4.2
func (p *Proofer) Proof(r *Request) (string, error) {
	if p.Key == nil {
		return "", fmt.Errorf("%w: Proofer has no key", ErrMisconfigured)
	}
	if r == nil || r.Method == "" {
		return "", fmt.Errorf("%w: the request has no method", ErrMisconfigured)
	}
	if _, err := parseTarget(r.URI); err != nil {
		return "", fmt.Errorf("%w: Request.URI: %v", ErrMisconfigured, err)
	}
	htu := r.URI
	if i := strings.IndexAny(htu, "?#"); i >= 0 {
		htu = htu[:i]
	}
	rnd := p.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	var id [16]byte
	if _, err := io.ReadFull(rnd, id[:]); err != nil {
		return "", fmt.Errorf("dpop: making a jti: %w", err)
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	b := make([]byte, 0, 192+len(htu)+len(r.Method)+len(r.Nonce))
	b = append(b, `{"jti":"`...)
	b = base64url.AppendEncode(b, id[:])
	b = append(b, `","htm":`...)
	var err error
	if b, err = strictjson.AppendString(b, r.Method); err != nil {
		return "", fmt.Errorf("%w: htm: %w", ErrMisconfigured, err)
	}
	b = append(b, `,"htu":`...)
	if b, err = strictjson.AppendString(b, htu); err != nil {
		return "", fmt.Errorf("%w: htu: %w", ErrMisconfigured, err)
	}
	b = append(b, `,"iat":`...)
	b = strconv.AppendInt(b, now().Unix(), 10)
	if r.AccessToken != "" {
		sum := sha256.Sum256([]byte(r.AccessToken))
		b = append(b, `,"ath":"`...)
		b = base64url.AppendEncode(b, sum[:])
		b = append(b, '"')
	}
	if r.Nonce != "" {
		b = append(b, `,"nonce":`...)
		if b, err = strictjson.AppendString(b, r.Nonce); err != nil {
			return "", fmt.Errorf("%w: nonce: %w", ErrMisconfigured, err)
		}
	}
	b = append(b, '}')
	tok, err := jws.SignEmbeddedKey(b, p.Key, &jws.Header{Type: "dpop+jwt"})
	if err != nil {
		return "", fmt.Errorf("dpop: signing: %w", err)
	}
	return tok, nil
}
