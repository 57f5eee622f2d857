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

// parseKeyText parses a JWK, a JWK Set or a PEM key as the CLI parses a
// key file ([inspect.ParseKeyText]).
func parseKeyText(text string, alg jwk.Algorithm) (*inspect.KeyText, error) {
	if len(text) > MaxInput {
		return nil, fmt.Errorf("%w: the key is over %d bytes", ErrInput, MaxInput)
	}
	kt, err := inspect.ParseKeyText([]byte(text), alg)
	if errors.Is(err, inspect.ErrNotKey) {
		return nil, fmt.Errorf("%w: the key is %v", ErrInput, err)
	}
	return kt, err
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
// use with algs, with notes on those it left out, by the rules of "ward
// verify --key" ([inspect.KeyText.VerificationKeys]).
func verificationKeys(text string, algs []jwk.Algorithm) ([]jwk.Key, []string, error) {
	kt, err := parseKeyText(text, "")
	if errors.Is(err, jwk.ErrUnbound) {
		// An RSA private key needs an algorithm to be parsed at all.
		if fit := inspect.Fitting(jwk.KeyTypeRSA, algs); len(fit) == 1 {
			kt, err = parseKeyText(text, fit[0])
		}
	}
	if err != nil {
		return nil, nil, err
	}
	var notes []string
	for _, sk := range kt.Skipped {
		what := fmt.Sprintf("keys[%d]", sk.Index)
		if sk.KeyID != "" {
			what += fmt.Sprintf(" (kid %q)", sk.KeyID)
		}
		notes = append(notes, fmt.Sprintf("%s is skipped: %s", what, inspect.Reason(sk.Err)))
	}
	keys, unusable := kt.VerificationKeys(algs)
	skipped := 0
	for _, u := range unusable {
		switch {
		case u.Enc:
			notes = append(notes, u.What+" is marked \"use\":\"enc\" and is not used to verify signatures")
		case u.NoVerifyOp:
			notes = append(notes, u.What+" has \"key_ops\" without \"verify\" and is not used to verify signatures")
		case !kt.Set:
			return nil, nil, fmt.Errorf("%w: %s has no \"alg\": choose its algorithm", ErrInput, u.What)
		default:
			notes = append(notes, u.What+" has no \"alg\" and is skipped (choose an algorithm)")
			skipped++
		}
	}
	if len(keys) == 0 {
		if skipped > 0 {
			return nil, nil, fmt.Errorf("%w: no key is bound to an algorithm: choose one", ErrInput)
		}
		return nil, nil, fmt.Errorf("%w: no usable key", ErrInput)
	}
	return keys, notes, nil
}
