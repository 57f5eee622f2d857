package ops

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/wardauth/ward/internal/strictjson"
	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jws"
)

// SignRequest is what the page's create form holds.
type SignRequest struct {
	// Header is a JSON object with "alg" and optionally "kid", "typ" and
	// "cty": the members Ward's signer writes.
	Header string `json:"header"`
	// Claims is a JSON object, signed as typed (compacted).
	Claims string `json:"claims"`
	// KeyKind and Key give the signing key: a private JWK, an oct JWK, a
	// private PEM key, or a secret as text or base64url.
	KeyKind string `json:"key_kind"`
	Key     string `json:"key"`
}

// Sign makes a compact JWS of req.Claims with req.Header's algorithm.
func Sign(req SignRequest) (string, error) {
	if len(req.Header) > MaxInput || len(req.Claims) > MaxInput {
		return "", fmt.Errorf("%w: the header or claims are over %d bytes", ErrInput, MaxInput)
	}
	h, err := signHeader([]byte(req.Header))
	if err != nil {
		return "", err
	}
	claims := []byte(req.Claims)
	if strictjson.KindOf(bytes.TrimSpace(claims)) != strictjson.Object {
		return "", fmt.Errorf("%w: the claims are not a JSON object", ErrInput)
	}
	if err := strictjson.Validate(claims, 0); err != nil {
		return "", fmt.Errorf("%w: claims: %v", ErrInput, err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, claims); err != nil {
		return "", fmt.Errorf("%w: claims: %v", ErrInput, err)
	}
	key, err := signingKey(req.KeyKind, req.Key, h.Algorithm)
	if err != nil {
		return "", err
	}
	return jws.Sign(compact.Bytes(), key, h)
}

// signHeader reads the header the user typed: strict JSON with "alg" and
// optionally "kid", "typ", "cty"; other members are refused, since the
// signer would silently drop them.
func signHeader(data []byte) (*jws.Header, error) {
	h := &jws.Header{}
	err := strictjson.ForEachMember(data, 0, func(name, value []byte) error {
		var s string
		if strictjson.KindOf(value) != strictjson.String {
			return fmt.Errorf("%w: header %q is not a string", ErrInput, name)
		}
		raw, err := strictjson.DecodeString(value)
		if err != nil {
			return fmt.Errorf("%w: header %q: %v", ErrInput, name, err)
		}
		s = string(raw)
		switch string(name) {
		case "alg":
			h.Algorithm = jwk.Algorithm(s)
		case "kid":
			h.KeyID = s
		case "typ":
			h.Type = s
		case "cty":
			h.ContentType = s
		default:
			return fmt.Errorf("%w: header %s: only \"alg\", \"kid\", \"typ\" and \"cty\" can be set", ErrInput, strconv.Quote(string(name)))
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrInput) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: header: %v", ErrInput, err)
	}
	if !h.Algorithm.Known() {
		return nil, fmt.Errorf("%w: header \"alg\" %q is not one of %s", ErrInput, h.Algorithm, algNames())
	}
	return h, nil
}

// signingKey reads a key that can sign with alg.
func signingKey(kind, text string, alg jwk.Algorithm) (jwk.SigningKey, error) {
	if kind != KindKey {
		secret, err := secretBytes(kind, text)
		if err != nil {
			return nil, err
		}
		if alg.KeyType() != jwk.KeyTypeOct {
			return nil, fmt.Errorf("%w: %s signs with a private key, not a secret", ErrInput, alg)
		}
		return jwk.NewSecretKey(secret, alg)
	}
	pk, err := parseKeyText(text, alg)
	if err != nil {
		return nil, err
	}
	if pk.Set {
		return nil, fmt.Errorf("%w: a JWK Set: signing takes one key", ErrInput)
	}
	switch k := pk.Keys[0].(type) {
	case *jwk.PrivateKey:
		return k, nil
	case *jwk.SecretKey:
		if k.Algorithm() == "" {
			return k.WithAlgorithm(alg)
		}
		return k, nil
	}
	return nil, fmt.Errorf("%w: a public key cannot sign: give the private key", ErrInput)
}

func algNames() string {
	var b bytes.Buffer
	for i, a := range jwk.Algorithms() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(a))
	}
	return b.String()
}
