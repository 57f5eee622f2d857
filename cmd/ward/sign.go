package main

import (
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/internal/strictjson"
	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jws"
	"github.com/wardauth/ward/jose/jwt"
)

const signUsage = `Usage: ward sign (--key FILE | --secret-file FILE) [flags] [CLAIMS.json | -]

Signs claims into a compact JWT and prints the token and a newline on
standard output. Nothing else is printed there.

The claims start from the JSON object in CLAIMS.json (or standard input
for "-"; no argument means no claims file). Then --claim, then the flags
for registered claims, override them. Unless told otherwise, ward adds
    "iat"  now (--no-iat: do not add it),
    "jti"  128 random bits in base64url (--no-jti: do not add it),
    "exp"  now + 1h, unless CLAIMS.json has an "exp" (--exp sets another
           lifetime; --exp 0 leaves the token without "exp").
Dates are JSON numbers of seconds since 1970, as RFC 7519 requires.

The key is one of
    --key FILE          a private JWK, a PEM private key, or an oct JWK;
                        the algorithm is the key's "alg" or --alg (PEM RSA
                        keys need --alg: a PEM file does not say whether
                        the key is for RS256 or PS256)
    --secret-file FILE  an HMAC secret: the raw bytes of the whole file,
                        including any trailing newline; at least as long
                        as the hash output (32, 48 or 64 bytes); --alg
                        defaults to HS256

Flags:
    --alg ALG           the algorithm, if the key file does not say
    --iss ISSUER        set "iss"
    --sub SUBJECT       set "sub"
    --aud AUDIENCE      set "aud"; repeat for several audiences (then
                        "aud" is an array)
    --exp DURATION      set "exp" to now + DURATION, such as 15m or 24h
                        (default 1h); 0 means no "exp"
    --nbf DURATION      set "nbf" to now + DURATION (may be negative)
    --claim NAME=VALUE  set a claim; VALUE is taken as JSON if it is valid
                        JSON (42, true, ["a","b"], {"k":1}, "quoted"),
                        else as a string; repeatable
    --typ TYPE          set the header "typ" (default JWT), such as at+jwt
    --kid KID           set the header "kid" (default: the key's "kid")
    --no-iat            do not add "iat"
    --no-jti            do not add "jti"
    -h, --help          show this help

Exit status: 0 on success, 1 if the key or the claims cannot be used, 2 on
a usage error.

Examples:
    $ ward sign --key key.jwk --iss https://auth.example --aud api --sub alice
    $ ward sign --key key.jwk --exp 15m --claim roles='["admin"]' --claim tenant=acme
    $ echo '{"sub":"bob","scope":"read"}' | ward sign --key key.jwk --typ at+jwt -
    $ ward sign --secret-file secret.bin --alg HS512 --sub alice claims.json
`

// defaultLifetime is the lifetime of a signed token with no "exp" and no
// --exp.
const defaultLifetime = time.Hour

func runSign(e *env, args []string) int {
	fs := newFlagSet("sign")
	keyFile := fs.String("key", "", "")
	secretFile := fs.String("secret-file", "", "")
	algName := fs.String("alg", "", "")
	iss := fs.String("iss", "", "")
	sub := fs.String("sub", "", "")
	var aud, claimFlags stringList
	fs.Var(&aud, "aud", "")
	fs.Var(&claimFlags, "claim", "")
	exp := fs.Duration("exp", defaultLifetime, "")
	nbf := fs.Duration("nbf", 0, "")
	typ := fs.String("typ", "", "")
	kid := fs.String("kid", "", "")
	noIat := fs.Bool("no-iat", false, "")
	noJti := fs.Bool("no-jti", false, "")
	pos, code := parseFlags(e, fs, args, signUsage)
	if code >= 0 {
		return code
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	if len(pos) > 1 {
		return usageError(e, "sign", "sign takes at most one claims file, not %d arguments", len(pos))
	}
	if (*keyFile == "") == (*secretFile == "") {
		return usageError(e, "sign", "give exactly one of --key FILE and --secret-file FILE")
	}
	if len(pos) == 1 && pos[0] == "-" && (*keyFile == "-" || *secretFile == "-") {
		return usageError(e, "sign", "the key and the claims cannot both come from standard input")
	}
	var alg jwk.Algorithm
	if *algName != "" {
		var err error
		if alg, err = parseAlg(*algName); err != nil {
			return e.fail("sign", err)
		}
	}

	// Parse every flag before reading any file.
	now := time.Now()
	claims := map[string]any{}
	overrides := map[string]any{}
	for _, c := range claimFlags {
		name, value, ok := strings.Cut(c, "=")
		if !ok || name == "" {
			return usageError(e, "sign", "--claim %q is not NAME=VALUE", c)
		}
		overrides[name] = claimValue(value)
	}
	if set["iss"] {
		overrides["iss"] = *iss
	}
	if set["sub"] {
		overrides["sub"] = *sub
	}
	switch len(aud) {
	case 0:
	case 1:
		overrides["aud"] = aud[0]
	default:
		overrides["aud"] = []string(aud)
	}
	if set["nbf"] {
		overrides["nbf"] = now.Add(*nbf).Unix()
	}

	var key jwk.SigningKey
	var err error
	if *keyFile != "" {
		key, err = loadSigningKey(e, *keyFile, alg)
	} else {
		if alg == "" {
			alg = jwk.HS256
		}
		key, err = loadSecret(e, *secretFile, alg)
	}
	if err != nil {
		return e.fail("sign", err)
	}
	if *kid != "" {
		switch k := key.(type) {
		case *jwk.PrivateKey:
			key = k.WithKeyID(*kid)
		case *jwk.SecretKey:
			key = k.WithKeyID(*kid)
		}
	}

	if len(pos) == 1 {
		if err := readClaims(e, pos[0], claims); err != nil {
			return e.fail("sign", err)
		}
	}
	for name, v := range overrides {
		claims[name] = v
	}
	if !*noIat {
		if _, ok := claims["iat"]; !ok {
			claims["iat"] = now.Unix()
		}
	}
	if !*noJti {
		if _, ok := claims["jti"]; !ok {
			claims["jti"] = randomID()
		}
	}
	_, hasExp := claims["exp"]
	switch {
	case set["exp"] && *exp == 0:
		delete(claims, "exp")
		e.warnf("the token has no \"exp\": it never expires, and verifiers refuse it by default")
	case set["exp"] || !hasExp:
		claims["exp"] = now.Add(*exp).Unix()
	}
	if err := checkRegistered(claims); err != nil {
		return e.fail("sign", err)
	}

	s := jwt.Signer{Key: key, Type: *typ}
	tok, err := s.Sign(claims)
	if err != nil {
		return e.fail("sign", err)
	}
	return printToken(e, tok, jws.DefaultMaxSize, "verifiers")
}

// printToken prints a token made by sign or encrypt, warning first if it
// is longer than the default limit of those who will read it.
func printToken(e *env, tok string, limit int, readers string) int {
	if len(tok) > limit {
		e.warnf("the token is %d bytes long: %s with the default limit (%d bytes) refuse it", len(tok), readers, limit)
	}
	fmt.Fprintln(e.stdout, tok)
	return exitOK
}

// readClaims reads a JSON object of claims into claims, keeping each value
// as the exact JSON text it was written as.
func readClaims(e *env, path string, claims map[string]any) error {
	data, err := readFile(e, path)
	if err != nil {
		return err
	}
	name := path
	if path == "-" {
		name = "standard input"
	}
	err = strictjson.ForEachMember(data, 0, func(n, v []byte) error {
		claims[string(n)] = json.RawMessage(v)
		return nil
	})
	if err != nil {
		return failf("%s: the claims must be one strict JSON object: %v", name, err)
	}
	return nil
}

// claimValue returns the value of --claim NAME=VALUE: VALUE as JSON if it
// is valid JSON, else VALUE as a string.
func claimValue(v string) any {
	if v != "" && strictjson.Validate([]byte(v), 0) == nil {
		return json.RawMessage(strings.TrimSpace(v))
	}
	return v
}

// checkRegistered checks the types of the registered claims that came from
// a claims file or --claim, so that ward never signs a token that
// verifiers must reject as malformed ([RFC 7519, Section 4.1]).
func checkRegistered(claims map[string]any) error {
	for name, v := range claims {
		raw, ok := v.(json.RawMessage)
		if !ok {
			continue // set by ward itself, with the right type
		}
		bad := ""
		switch name {
		case "iss", "sub", "jti":
			if strictjson.KindOf(raw) != strictjson.String {
				bad = "a string"
			}
		case "exp", "nbf", "iat":
			if _, ok := numericDate(raw); !ok {
				bad = "a number of seconds since 1970 (a NumericDate)"
			}
		case "aud":
			if !isAudience(raw) {
				bad = "a string or an array of strings"
			}
		}
		if bad != "" {
			return failf("claim %q must be %s, not %s", name, bad, raw)
		}
	}
	return nil
}

func isAudience(raw []byte) bool {
	switch strictjson.KindOf(raw) {
	case strictjson.String:
		return true
	case strictjson.Array:
		err := strictjson.ForEachElement(raw, 0, func(v []byte) error {
			if strictjson.KindOf(v) != strictjson.String {
				return fmt.Errorf("not a string")
			}
			return nil
		})
		return err == nil
	}
	return false
}

// randomID returns 128 random bits in base64url, for "jti".
func randomID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails, see crypto/rand.Read
	return base64url.EncodeToString(b[:])
}
