package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/wardauth/ward/internal/inspect"
	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jws"
	"github.com/wardauth/ward/jose/jwt"
)

const verifyUsage = `Usage: ward verify (--key FILE | --secret-file FILE | --jwks-url URL) [flags] [TOKEN | FILE | -]

Verifies a token: its signature, then its claims, as a jwt.Verifier does.
A valid token's claims are printed on standard output as indented JSON;
an invalid one gets "ward: invalid token: REASON" on standard error.

The token is the argument, the content of the file the argument names, or
standard input ("-", or no argument when standard input is not a
terminal). One trailing newline is trimmed from files and standard input,
and a leading "Bearer " is dropped.

The keys come from one of
    --key FILE          a JWK, a JWK Set ({"keys":[...]}) or a PEM key
                        (public or private; a private key is used through
                        its public half)
    --secret-file FILE  an HMAC secret: the raw bytes of the whole file
                        (it is the key for any "kid" the token names)
    --jwks-url URL      a JWK Set fetched over https (plain http only for
                        127.0.0.1, localhost and [::1]); 10 s timeout,
                        at most 1 MiB
A token selects its key by "kid", and its "alg" must be that key's
algorithm. A key without "alg" (an RSA public key, a PEM file, an oct key)
is bound to the one --alg that fits it.

Flags:
    --alg ALG        allow ALG; repeatable. Default: the keys' algorithms
                     (HS256 for --secret-file)
    --iss ISSUER     require "iss" to be ISSUER
    --aud AUDIENCE   require "aud" to contain AUDIENCE
    --typ TYPE       require the header "typ" to be TYPE, such as at+jwt
    --leeway D       allowed clock skew for "exp", "nbf" and "iat"
                     (default 30s, at most 5m; 0s means none)
    --at TIME        verify as of TIME (RFC 3339 or Unix seconds), not now
    --json           print {"verified": true, "header", "claims"} or
                     {"verified": false, "error", "code"} on standard output
    -h, --help       show this help

Without --iss or --aud the issuer or audience is not checked, and a
warning says so: a token made for another service would pass.

Exit status: 0 if the token is valid, 1 if it is invalid (or the keys
cannot be fetched or read), 2 on a usage error.

Examples:
    $ ward verify --key key.pub.jwk --iss https://auth.example --aud api token.txt
    $ ward verify --key rsa.pub.pem --alg PS256 --iss https://auth.example --aud api rsa-token.txt
    $ ward verify --jwks-url https://auth.example/.well-known/jwks.json --iss https://auth.example --aud api - < token.txt
    $ ward verify --secret-file secret.bin --alg HS512 --iss me --aud me --at 2025-01-01T00:00:00Z hs-token.txt
`

func runVerify(e *env, args []string) int {
	fs := newFlagSet("verify")
	keyFile := fs.String("key", "", "")
	secretFile := fs.String("secret-file", "", "")
	jwksURL := fs.String("jwks-url", "", "")
	var algNames stringList
	fs.Var(&algNames, "alg", "")
	iss := fs.String("iss", "", "")
	aud := fs.String("aud", "", "")
	typ := fs.String("typ", "", "")
	leeway := fs.Duration("leeway", 0, "")
	var at timeFlag
	fs.Var(&at, "at", "")
	asJSON := fs.Bool("json", false, "")
	pos, code := parseFlags(e, fs, args, verifyUsage)
	if code >= 0 {
		return code
	}

	sources := 0
	for _, s := range []string{*keyFile, *secretFile, *jwksURL} {
		if s != "" {
			sources++
		}
	}
	if sources != 1 {
		return usageError(e, "verify", "give exactly one of --key FILE, --secret-file FILE and --jwks-url URL")
	}
	var algs []jwk.Algorithm
	for _, name := range algNames {
		a, err := parseAlg(name)
		if err != nil {
			return e.fail("verify", err)
		}
		algs = append(algs, a)
	}
	if *leeway > jwt.MaxLeeway {
		return usageError(e, "verify", "--leeway %v is more than %v", *leeway, jwt.MaxLeeway)
	}
	// An explicit --leeway 0s means no leeway, while the library's zero
	// value means its default.
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "leeway" && *leeway <= 0 {
			*leeway = jwt.NoLeeway
		}
	})
	if len(pos) > 1 {
		return usageError(e, "verify", "verify takes one token, not %d arguments", len(pos))
	}
	if (len(pos) == 0 || pos[0] == "-") && (*keyFile == "-" || *secretFile == "-") {
		return usageError(e, "verify", "the key and the token cannot both come from standard input")
	}

	keys, err := verificationKeys(e, *keyFile, *secretFile, *jwksURL, algs)
	if err != nil {
		return e.fail("verify", err)
	}
	tok, err := readToken(e, "verify", pos)
	if err != nil {
		return e.fail("verify", err)
	}
	if sk, ok := keys[0].(*jwk.SecretKey); ok && *secretFile != "" {
		// A raw secret has no key ID; it is the key for whatever "kid"
		// the token names, as the user said by giving it.
		if u, err := jws.UnsafeDecode(tok, len(tok)); err == nil && u.Header.KeyID != "" {
			keys[0] = sk.WithKeyID(u.Header.KeyID)
		}
	}
	set, err := jwk.NewSet(keys...)
	if err != nil {
		return e.fail("verify", err)
	}

	if *iss == "" {
		e.warnf("issuer not checked (use --iss)")
	}
	if *aud == "" {
		e.warnf("audience not checked (use --aud)")
	}
	now := at.now()
	v := &jwt.Verifier{
		Keys:                      set,
		Algorithms:                algs,
		Issuer:                    *iss,
		Audience:                  *aud,
		Type:                      *typ,
		Leeway:                    *leeway,
		Now:                       func() time.Time { return now },
		InsecureSkipIssuerCheck:   *iss == "",
		InsecureSkipAudienceCheck: *aud == "",
	}
	if err := v.Check(); err != nil {
		return e.fail("verify", usagef(nil, "%s", reason(err)))
	}
	var claims map[string]any
	if err := v.VerifyInto(tok, &claims); err != nil {
		if errors.Is(err, jwt.ErrMisconfigured) {
			return e.fail("verify", usagef(nil, "%s", reason(err)))
		}
		why := explain(err, tok, v, now)
		if *asJSON {
			printJSON(e, map[string]any{"verified": false, "error": why, "code": errorCode(err)})
		}
		fmt.Fprintf(e.stderr, "ward: invalid token: %s\n", why)
		return exitInvalid
	}
	if !*asJSON {
		printJSON(e, claims)
		return exitOK
	}
	// The token is verified, so its header can be trusted.
	var header json.RawMessage
	if u, err := jws.UnsafeDecode(tok, len(tok)); err == nil {
		header = u.RawHeader
	}
	printJSON(e, struct {
		Verified bool            `json:"verified"`
		Header   json.RawMessage `json:"header"`
		Claims   map[string]any  `json:"claims"`
	}{true, header, claims})
	return exitOK
}

// verificationKeys loads the keys from the one source given.
func verificationKeys(e *env, keyPath, secretFile, jwksURL string, algs []jwk.Algorithm) ([]jwk.Key, error) {
	switch {
	case keyPath != "":
		return loadVerificationKeys(e, keyPath, algs)
	case jwksURL != "":
		set, err := fetchJWKS(jwksURL)
		if err != nil {
			return nil, err
		}
		return usableKeys(e, jwksURL, &keyFile{Keys: set.Keys(), Set: true, Skipped: set.Skipped()}, algs)
	}
	var alg jwk.Algorithm
	switch fit := fitting(jwk.KeyTypeOct, algs); {
	case len(fit) == 1:
		alg = fit[0]
	case len(fit) > 1:
		return nil, usagef(nil, "a secret is used with one algorithm: give one HMAC --alg, not %d", len(fit))
	case len(algs) == 0:
		alg = jwk.HS256
	default:
		return nil, usagef(nil, "--secret-file needs an HMAC --alg (%s)", algList(jwk.KeyTypeOct))
	}
	k, err := loadSecret(e, secretFile, alg)
	if err != nil {
		return nil, err
	}
	return []jwk.Key{k}, nil
}

// explain and errorCode give the reason and the stable code of a
// verification error, in the words the token debugger shows too.
var (
	explain   = inspect.Explain
	errorCode = inspect.Code
)

// printJSON prints v as indented JSON on standard output, without the
// HTML escaping of encoding/json ("<" stays "<").
func printJSON(e *env, v any) {
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		// Claims decoded by package jwt always encode.
		e.errorf("encoding the result: %v", err)
	}
}
