package ops

import (
	"fmt"
	"time"

	"github.com/wardauth/ward/jose/jwe"
	"github.com/wardauth/ward/jose/jwk"
)

// DecryptRequest is what the page's decrypt form holds.
type DecryptRequest struct {
	Token string `json:"token"`
	// KeyKind is [KindSecretText] (a PBES2 password), [KindSecretBase64URL]
	// (a dir or AES key-wrap key) or [KindKey] (a private JWK or PEM key,
	// an oct JWK, or a JWK Set).
	KeyKind string `json:"key_kind"`
	Key     string `json:"key"`
	// Alg is the key-management algorithm allowed; "" allows the algorithms
	// the keys are bound to. A password, a raw secret and a PEM key name no
	// algorithm, so they need it.
	Alg string `json:"alg"`
}

// Decrypted is a decrypted JWE.
type Decrypted struct {
	// Header is the protected header, indented.
	Header string `json:"header"`
	// Plaintext is the content as text (quoted if it is not printable).
	Plaintext string `json:"plaintext"`
	// Inner is the decoded content when it is a compact JWS (a nested
	// JWT): decoded only; verify it next.
	Inner *Decoded `json:"inner,omitempty"`
}

// Decrypt decrypts req.Token with a [jwe.Decrypter] holding the user's key.
func Decrypt(req DecryptRequest, now time.Time) (*Decrypted, error) {
	tok := cleanToken(req.Token)
	var algs []jwk.Algorithm
	alg := jwk.Algorithm(req.Alg)
	if req.Alg != "" {
		if !alg.IsKeyManagement() {
			return nil, fmt.Errorf("%w: %q is not a key-management algorithm", ErrInput, req.Alg)
		}
		algs = []jwk.Algorithm{alg}
	}
	var keys []jwk.Key
	switch req.KeyKind {
	case KindSecretText, KindSecretBase64URL:
		if alg == "" {
			return nil, fmt.Errorf("%w: a password or secret names no algorithm: choose one", ErrInput)
		}
		secret, err := secretBytes(req.KeyKind, req.Key)
		if err != nil {
			return nil, err
		}
		k, err := jwk.NewSecretKey(secret, alg)
		if err != nil {
			return nil, err
		}
		keys = []jwk.Key{k}
	case KindKey:
		pk, err := parseKeyText(req.Key, alg)
		if err != nil {
			return nil, err
		}
		keys = pk.Keys
	default:
		return nil, fmt.Errorf("%w: unknown key kind %q", ErrInput, req.KeyKind)
	}
	set, err := jwk.NewSet(keys...)
	if err != nil {
		return nil, err
	}
	d := &jwe.Decrypter{Keys: set, KeyAlgorithms: algs}
	out, err := d.Decrypt(tok)
	if err != nil {
		return nil, err
	}
	u, err := jwe.UnsafeDecode(tok, 0)
	if err != nil {
		return nil, err
	}
	res := &Decrypted{Header: indent(u.RawHeader), Plaintext: payloadText(out.Plaintext)}
	if inner, err := Decode(string(out.Plaintext), now); err == nil && inner.Kind == "JWS" {
		res.Inner = inner
	}
	return res, nil
}
