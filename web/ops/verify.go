package ops

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wardauth/ward/internal/inspect"
	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jws"
	"github.com/wardauth/ward/jose/jwt"
)

// VerifyRequest is what the page's verify form holds.
type VerifyRequest struct {
	Token string `json:"token"`
	// KeyKind is [KindSecretText], [KindSecretBase64URL] or [KindKey] (a
	// JWK, a JWK Set, a PEM key, or the JWK Set the page fetched from the
	// URL the user typed).
	KeyKind string `json:"key_kind"`
	Key     string `json:"key"`
	// Alg is the one algorithm allowed; "" allows the keys' own
	// algorithms (HS256 for a secret), as "ward verify" without --alg.
	Alg string `json:"alg"`
	// Issuer and Audience are checked when not empty.
	Issuer   string `json:"iss"`
	Audience string `json:"aud"`
	// Type is the required header "typ", if not empty.
	Type string `json:"typ"`
	// Leeway is the clock skew allowed: "" for the default (30s), else a
	// Go duration ("0s", "2m") or a number of seconds.
	Leeway string `json:"leeway"`
	// At is the instant to verify as of (RFC 3339 or Unix seconds); ""
	// means now.
	At string `json:"at"`
}

// Verdicts of [VerifyResult].
const (
	VerdictValid       = "valid"
	VerdictInvalid     = "invalid"
	VerdictExpired     = "expired"
	VerdictNotYetValid = "not_yet_valid"
	// VerdictKeyError means the key could not be used: nothing was verified.
	VerdictKeyError = "key_error"
)

// VerifyResult is the verdict on a token.
type VerifyResult struct {
	Verified bool `json:"verified"`
	// Verdict is one of the Verdict constants.
	Verdict string `json:"verdict"`
	// Code is the stable error code of "ward verify --json" ("" if valid).
	Code string `json:"code,omitempty"`
	// Reason says why, in the words of "ward verify".
	Reason string `json:"reason,omitempty"`
	// Header and Claims are shown (indented) only for a verified token.
	Header string `json:"header,omitempty"`
	Claims string `json:"claims,omitempty"`
	// Notes are warnings: the issuer or audience not checked, keys skipped.
	Notes []string `json:"notes"`
}

// Verify verifies req.Token as "ward verify" does with the same key and
// flags: a [jwt.Verifier] with the keys, the allowed algorithm, issuer,
// audience, type and leeway. now is the clock when req.At is "".
func Verify(req VerifyRequest, now time.Time) *VerifyResult {
	res := &VerifyResult{Notes: []string{}}
	keyErr := func(err error) *VerifyResult {
		res.Verdict, res.Code, res.Reason = VerdictKeyError, "key_error", strings.TrimPrefix(inspect.Reason(err), ErrInput.Error()+": ")
		return res
	}
	tok := cleanToken(req.Token)
	var algs []jwk.Algorithm
	if req.Alg != "" {
		a := jwk.Algorithm(req.Alg)
		if !a.Known() {
			return keyErr(fmt.Errorf("%w: unknown algorithm %q", ErrInput, req.Alg))
		}
		algs = []jwk.Algorithm{a}
	}
	leeway, err := parseLeeway(req.Leeway)
	if err != nil {
		return keyErr(err)
	}
	if req.At != "" {
		if now, err = inspect.ParseTime(strings.TrimSpace(req.At)); err != nil {
			return keyErr(fmt.Errorf("%w: time %q: %v", ErrInput, req.At, err))
		}
	}

	var keys []jwk.Key
	switch req.KeyKind {
	case KindSecretText, KindSecretBase64URL:
		alg := jwk.HS256
		if len(algs) == 1 {
			alg = algs[0]
		}
		if alg.KeyType() != jwk.KeyTypeOct {
			return keyErr(fmt.Errorf("%w: a secret needs an HMAC algorithm, not %s", ErrInput, alg))
		}
		secret, err := secretBytes(req.KeyKind, req.Key)
		if err != nil {
			return keyErr(err)
		}
		k, err := jwk.NewSecretKey(secret, alg)
		if err != nil {
			return keyErr(err)
		}
		// A raw secret has no key ID; it is the key for whatever "kid"
		// the token names, as the user said by giving it.
		if u, err := jws.UnsafeDecode(tok, len(tok)); err == nil && u.Header.KeyID != "" {
			k = k.WithKeyID(u.Header.KeyID)
		}
		keys = []jwk.Key{k}
	case KindKey:
		var notes []string
		keys, notes, err = verificationKeys(req.Key, algs)
		if err != nil {
			return keyErr(err)
		}
		res.Notes = append(res.Notes, notes...)
	default:
		return keyErr(fmt.Errorf("%w: unknown key kind %q", ErrInput, req.KeyKind))
	}
	set, err := jwk.NewSet(keys...)
	if err != nil {
		return keyErr(err)
	}
	if req.Issuer == "" {
		res.Notes = append(res.Notes, "issuer not checked (give one)")
	}
	if req.Audience == "" {
		res.Notes = append(res.Notes, "audience not checked (give one)")
	}
	v := &jwt.Verifier{
		Keys:                      set,
		Algorithms:                algs,
		Issuer:                    req.Issuer,
		Audience:                  req.Audience,
		Type:                      req.Type,
		Leeway:                    leeway,
		Now:                       func() time.Time { return now },
		InsecureSkipIssuerCheck:   req.Issuer == "",
		InsecureSkipAudienceCheck: req.Audience == "",
	}
	if err := v.Check(); err != nil {
		return keyErr(err)
	}
	var claims map[string]any
	if err := v.VerifyInto(tok, &claims); err != nil {
		if errors.Is(err, jwt.ErrMisconfigured) {
			return keyErr(err)
		}
		res.Code = inspect.Code(err)
		res.Reason = inspect.Explain(err, tok, v, now)
		switch res.Code {
		case "expired":
			res.Verdict = VerdictExpired
		case "not_yet_valid":
			res.Verdict = VerdictNotYetValid
		default:
			res.Verdict = VerdictInvalid
		}
		return res
	}
	res.Verified, res.Verdict = true, VerdictValid
	if u, err := jws.UnsafeDecode(tok, len(tok)); err == nil {
		res.Header = indent(u.RawHeader)
	}
	if b, err := json.MarshalIndent(claims, "", "  "); err == nil {
		res.Claims = string(b)
	}
	return res
}

// parseLeeway reads the leeway field: "" is the default.
func parseLeeway(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		n, nerr := strconv.ParseUint(s, 10, 32)
		if nerr != nil {
			return 0, fmt.Errorf("%w: leeway %q is not a duration (30s, 2m) or a number of seconds", ErrInput, s)
		}
		d = time.Duration(n) * time.Second
	}
	switch {
	case d < 0 || d > jwt.MaxLeeway:
		return 0, fmt.Errorf("%w: leeway %v is not between 0s and %v", ErrInput, d, jwt.MaxLeeway)
	case d == 0:
		// An explicit zero means none; the library's zero value means its
		// default.
		return jwt.NoLeeway, nil
	}
	return d, nil
}
