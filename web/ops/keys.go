package ops

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/internal/inspect"
	"github.com/wardauth/ward/jose/jwk"
)

// Key kinds: how the page hands in the key text.
const (
	// KindSecretText is an HMAC secret (or a PBES2 password): the UTF-8
	// bytes of the text as typed.
	KindSecretText = "secret-text"
	// KindSecretBase64URL is a secret given in base64url.
	KindSecretBase64URL = "secret-base64url"
	// KindKey is a JWK, a JWK Set or a PEM key.
	KindKey = "key"
)

// parsedKeys is the content of a key text: one key, or a JWK Set.
type parsedKeys struct {
	keys    []jwk.Key
	set     bool
	skipped []jwk.SkippedKey
}

// parseKeyText parses a JWK, a JWK Set or a PEM key, telling them apart as
// the CLI does: "{" is JSON, a set if it has a "keys" member; a
// "-----BEGIN" line is PEM. A single key is bound to alg if alg is not "".
func parseKeyText(text string, alg jwk.Algorithm) (*parsedKeys, error) {
	data := []byte(text)
	if len(data) > MaxInput {
		return nil, fmt.Errorf("%w: the key is over %d bytes", ErrInput, MaxInput)
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	switch {
	case bytes.HasPrefix(trimmed, []byte("{")):
		if inspect.HasMember(trimmed, "keys") {
			set, err := jwk.ParseSet(data)
			if err != nil {
				return nil, err
			}
			return &parsedKeys{keys: set.Keys(), set: true, skipped: set.Skipped()}, nil
		}
		k, err := jwk.ParseKey(data, alg)
		if err != nil {
			return nil, err
		}
		return &parsedKeys{keys: []jwk.Key{k}}, nil
	case bytes.Contains(data, []byte("-----BEGIN")):
		k, err := jwk.ParsePEM(data, alg)
		if err != nil {
			return nil, err
		}
		return &parsedKeys{keys: []jwk.Key{k}}, nil
	}
	return nil, fmt.Errorf("%w: the key is not a JWK, a JWK Set or a PEM key", ErrInput)
}

// secretBytes returns the bytes of a secret given as text or base64url.
func secretBytes(kind, text string) ([]byte, error) {
	if len(text) > MaxInput {
		return nil, fmt.Errorf("%w: the secret is over %d bytes", ErrInput, MaxInput)
	}
	switch kind {
	case KindSecretText:
		return []byte(text), nil
	case KindSecretBase64URL:
		b, err := base64url.DecodeString(string(bytes.TrimSpace([]byte(text))))
		if err != nil {
			return nil, fmt.Errorf("%w: the secret is not canonical unpadded base64url", ErrInput)
		}
		return b, nil
	}
	return nil, fmt.Errorf("%w: unknown key kind %q", ErrInput, kind)
}

// verificationKeys returns the keys of the key text that a verifier can
// use with algs, with notes on those it skipped, by the rules of "ward
// verify --key": private keys give their public halves; keys whose "use"
// or "key_ops" forbid verifying are skipped; a key without "alg" needs
// exactly one of algs to fit it (in a set it is skipped otherwise).
func verificationKeys(text string, algs []jwk.Algorithm) ([]jwk.Key, []string, error) {
	pk, err := parseKeyText(text, "")
	if errors.Is(err, jwk.ErrUnbound) {
		// An RSA private key needs an algorithm to be parsed at all.
		if fit := fitting(jwk.KeyTypeRSA, algs); len(fit) == 1 {
			pk, err = parseKeyText(text, fit[0])
		}
	}
	if err != nil {
		return nil, nil, err
	}
	var notes []string
	for _, sk := range pk.skipped {
		what := fmt.Sprintf("keys[%d]", sk.Index)
		if sk.KeyID != "" {
			what += fmt.Sprintf(" (kid %q)", sk.KeyID)
		}
		notes = append(notes, fmt.Sprintf("%s is skipped: %s", what, inspect.Reason(sk.Err)))
	}
	var keys []jwk.Key
	skipped := 0
	for _, k := range pk.keys {
		if p, ok := k.(*jwk.PrivateKey); ok {
			k = p.Public()
		}
		what := fmt.Sprintf("the %s key", k.KeyType())
		if pk.set && k.KeyID() != "" {
			what = fmt.Sprintf("the %s key %q", k.KeyType(), k.KeyID())
		}
		if k.CheckOp(jwk.OpVerify) != nil {
			notes = append(notes, what+" does not permit verifying (\"use\" or \"key_ops\") and is not used")
			continue
		}
		if k.Algorithm() == "" && len(fitting(k.KeyType(), algs)) != 1 {
			if !pk.set {
				return nil, nil, fmt.Errorf("%w: %s has no \"alg\": choose its algorithm", ErrInput, what)
			}
			notes = append(notes, what+" has no \"alg\" and is skipped (choose an algorithm)")
			skipped++
			continue
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		if skipped > 0 {
			return nil, nil, fmt.Errorf("%w: no key is bound to an algorithm: choose one", ErrInput)
		}
		return nil, nil, fmt.Errorf("%w: no usable key", ErrInput)
	}
	return keys, notes, nil
}

// fitting returns the algorithms of algs that use keys of type kty.
func fitting(kty string, algs []jwk.Algorithm) []jwk.Algorithm {
	var out []jwk.Algorithm
	for _, a := range algs {
		if a.KeyType() == kty {
			out = append(out, a)
		}
	}
	return out
}
