package jwt_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jwt"
)

// exampleSecret is an HMAC key for the examples. Real keys come from
// jwk.Generate or a key store, never from source code.
var exampleSecret = []byte("an example secret of at least 32 bytes")

// exampleNow is the clock of the examples, so that their output is fixed.
func exampleNow() time.Time { return time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC) }

func ExampleSign() {
	key, err := jwk.NewSecretKey(exampleSecret, jwk.HS256)
	if err != nil {
		log.Fatal(err)
	}
	token, err := jwt.Sign(&jwt.Claims{
		Issuer:    "https://auth.example.com",
		Subject:   "alice",
		Audience:  jwt.Audience{"api.example.com"},
		ExpiresAt: exampleNow().Add(time.Hour),
	}, key)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(token)
	// Output:
	// eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2F1dGguZXhhbXBsZS5jb20iLCJzdWIiOiJhbGljZSIsImF1ZCI6ImFwaS5leGFtcGxlLmNvbSIsImV4cCI6MTg5MzUwMjgwMH0.ix9ZFwBAJ5C6uOfQE3E9cqOAzZmlFdhz1mVJATsqQR4
}

func ExampleSigner() {
	key, err := jwk.Generate(jwk.EdDSA)
	if err != nil {
		log.Fatal(err)
	}
	// A Signer gives every token a lifetime and an "iat".
	signer := &jwt.Signer{Key: key, Type: "at+jwt", Lifetime: 15 * time.Minute, Now: exampleNow}
	token, err := signer.Sign(&jwt.Claims{Issuer: "https://auth.example.com", Subject: "alice", Audience: jwt.Audience{"api.example.com"}})
	if err != nil {
		log.Fatal(err)
	}

	keys, err := jwk.NewSet(key)
	if err != nil {
		log.Fatal(err)
	}
	verifier := &jwt.Verifier{Keys: keys, Issuer: "https://auth.example.com", Audience: "api.example.com", Type: "at+jwt", Now: exampleNow}
	claims, err := verifier.Verify(token)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(claims.Subject, claims.ExpiresAt.Sub(claims.IssuedAt))
	// Output:
	// alice 15m0s
}

func ExampleVerifier_Verify() {
	key, err := jwk.NewSecretKey(exampleSecret, jwk.HS256)
	if err != nil {
		log.Fatal(err)
	}
	keys, err := jwk.NewSet(key)
	if err != nil {
		log.Fatal(err)
	}
	// Configure a Verifier once and use it from any goroutine.
	verifier := &jwt.Verifier{
		Keys:     keys,
		Issuer:   "https://auth.example.com",
		Audience: "api.example.com",
		Now:      exampleNow, // leave nil to use time.Now
	}

	token := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2F1dGguZXhhbXBsZS5jb20iLCJzdWIiOiJhbGljZSIsImF1ZCI6ImFwaS5leGFtcGxlLmNvbSIsImV4cCI6MTg5MzUwMjgwMH0.ix9ZFwBAJ5C6uOfQE3E9cqOAzZmlFdhz1mVJATsqQR4"
	claims, err := verifier.Verify(token)
	if err != nil {
		fmt.Println("rejected:", err)
		return
	}
	fmt.Println(claims.Subject, claims.ExpiresAt.UTC())
	// Output:
	// alice 2030-01-01 13:00:00 +0000 UTC
}

// Check a Verifier once, at startup, to fail early on a configuration that
// would refuse every token.
func ExampleVerifier_Check() {
	key, err := jwk.NewSecretKey(exampleSecret, jwk.HS256)
	if err != nil {
		log.Fatal(err)
	}
	keys, err := jwk.NewSet(key)
	if err != nil {
		log.Fatal(err)
	}
	verifier := &jwt.Verifier{
		Keys:       keys,
		Issuer:     "https://auth.example.com",
		Audience:   "api.example.com",
		Algorithms: []jwk.Algorithm{jwk.HS256, "HS257"},
	}
	if err := verifier.Check(); err != nil {
		fmt.Println(errors.Is(err, jwt.ErrMisconfigured))
		fmt.Println(err)
	}
	// Output:
	// true
	// jwt: misconfigured: unsupported algorithm "HS257"
}

// A Verifier allows [jwt.DefaultLeeway] of clock skew unless told
// otherwise; [jwt.NoLeeway] allows none.
func ExampleVerifier_noLeeway() {
	key, err := jwk.NewSecretKey(exampleSecret, jwk.HS256)
	if err != nil {
		log.Fatal(err)
	}
	keys, err := jwk.NewSet(key)
	if err != nil {
		log.Fatal(err)
	}
	// The token expired one second before exampleNow.
	token, err := jwt.Sign(&jwt.Claims{
		Issuer:    "https://auth.example.com",
		Audience:  jwt.Audience{"api.example.com"},
		ExpiresAt: exampleNow().Add(-time.Second),
	}, key)
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		leeway time.Duration
	}{{"zero (DefaultLeeway)", 0}, {"NoLeeway", jwt.NoLeeway}} {
		verifier := &jwt.Verifier{
			Keys:     keys,
			Issuer:   "https://auth.example.com",
			Audience: "api.example.com",
			Leeway:   c.leeway,
			Now:      exampleNow,
		}
		_, err := verifier.Verify(token)
		fmt.Printf("Leeway %s: %v\n", c.name, err)
	}
	// Output:
	// Leeway zero (DefaultLeeway): <nil>
	// Leeway NoLeeway: jwt: token is expired
}

func ExampleVerifier_VerifyInto() {
	// AppClaims has the registered claims and the application's own.
	type AppClaims struct {
		jwt.Claims
		Roles  []string `json:"roles"`
		Tenant string   `json:"tenant"`
	}

	key, err := jwk.Generate(jwk.ES256)
	if err != nil {
		log.Fatal(err)
	}
	token, err := jwt.Sign(&AppClaims{
		Claims: jwt.Claims{Issuer: "https://auth.example.com", Subject: "alice", Audience: jwt.Audience{"api.example.com"}, ExpiresAt: exampleNow().Add(time.Hour)},
		Roles:  []string{"reader", "writer"},
		Tenant: "acme",
	}, key)
	if err != nil {
		log.Fatal(err)
	}

	keys, err := jwk.NewSet(key)
	if err != nil {
		log.Fatal(err)
	}
	verifier := &jwt.Verifier{Keys: keys, Issuer: "https://auth.example.com", Audience: "api.example.com", RequiredClaims: []string{"sub", "tenant"}, Now: exampleNow}
	var claims AppClaims
	if err := verifier.VerifyInto(token, &claims); err != nil {
		fmt.Println("rejected:", err)
		return
	}
	fmt.Println(claims.Subject, claims.Tenant, claims.Roles)
	// Output:
	// alice acme [reader writer]
}

// hs256 signs hand-written header and claims JSON, to build tokens that
// jwt.Sign would refuse to make.
func hs256(secret []byte, header, claims string) string {
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(claims))
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(input))
	return input + "." + enc.EncodeToString(mac.Sum(nil))
}

// Every error from a Verifier or a Signer wraps one of the package's
// sentinel errors: branch on them with errors.Is.
func Example_errorChecking() {
	key, _ := jwk.NewSecretKey(exampleSecret, jwk.HS256)
	keys, _ := jwk.NewSet(key)
	verifier := &jwt.Verifier{Keys: keys, Issuer: "https://auth.example.com", Audience: "api.example.com", Now: exampleNow}
	now := exampleNow()
	sign := func(c *jwt.Claims) string {
		token, err := jwt.Sign(c, key)
		if err != nil {
			log.Fatal(err)
		}
		return token
	}
	valid := jwt.Claims{Issuer: "https://auth.example.com", Audience: jwt.Audience{"api.example.com"}, ExpiresAt: now.Add(time.Hour), ID: "token-1"}
	with := func(change func(c *jwt.Claims)) string {
		c := valid
		change(&c)
		return sign(&c)
	}
	ecKey, _ := jwk.Generate(jwk.ES256)
	ecKeys, _ := jwk.NewSet(ecKey)
	otherKey, _ := jwk.NewSecretKey([]byte("another secret of at least 32 bytes"), jwk.HS256)
	otherToken, _ := jwt.Sign(&valid, otherKey)
	rotatedKey := key.WithKeyID("2029-key")
	rotatedToken, _ := jwt.Sign(&valid, rotatedKey)
	keyIDs, _ := jwk.NewSet(key.WithKeyID("2030-key"))

	check := func(name string, err, target error) {
		fmt.Printf("%-25s %v\n", name, errors.Is(err, target))
	}
	verify := func(v *jwt.Verifier, token string) error {
		_, err := v.Verify(token)
		return err
	}

	check("ErrMalformed", verify(verifier, "not.a.token"), jwt.ErrMalformed)
	check("ErrTooLarge", verify(verifier, strings.Repeat("a", 20000)), jwt.ErrTooLarge)
	check("ErrUnsupportedAlgorithm", verify(verifier, "eyJhbGciOiJub25lIn0.e30."), jwt.ErrUnsupportedAlgorithm)
	check("ErrAlgorithmMismatch", verify(&jwt.Verifier{Keys: ecKeys, Issuer: valid.Issuer, Audience: "api.example.com", Now: exampleNow}, sign(&valid)), jwt.ErrAlgorithmMismatch)
	check("ErrNoKey", verify(&jwt.Verifier{Keys: keyIDs, Issuer: valid.Issuer, Audience: "api.example.com", Now: exampleNow}, rotatedToken), jwt.ErrNoKey)
	check("ErrBadSignature", verify(verifier, otherToken), jwt.ErrBadSignature)
	check("ErrUnsupportedCritical", verify(verifier, hs256(exampleSecret, `{"alg":"HS256","crit":["ext"],"ext":1}`, `{}`)), jwt.ErrUnsupportedCritical)
	encKey, _ := jwk.ParseKey([]byte(`{"kty":"oct","alg":"HS256","use":"enc","k":"`+base64.RawURLEncoding.EncodeToString(exampleSecret)+`"}`), "")
	encKeys, _ := jwk.NewSet(encKey)
	check("ErrKeyNotPermitted", verify(&jwt.Verifier{Keys: encKeys, Issuer: valid.Issuer, Audience: "api.example.com", Now: exampleNow}, sign(&valid)), jwt.ErrKeyNotPermitted)
	check("ErrExpired", verify(verifier, with(func(c *jwt.Claims) { c.ExpiresAt = now.Add(-time.Hour) })), jwt.ErrExpired)
	check("ErrNotYetValid", verify(verifier, with(func(c *jwt.Claims) { c.NotBefore = now.Add(time.Hour) })), jwt.ErrNotYetValid)
	check("ErrInvalidIssuer", verify(verifier, with(func(c *jwt.Claims) { c.Issuer = "https://evil.example" })), jwt.ErrInvalidIssuer)
	check("ErrInvalidAudience", verify(verifier, with(func(c *jwt.Claims) { c.Audience = jwt.Audience{"other.example.com"} })), jwt.ErrInvalidAudience)
	check("ErrInvalidType", verify(&jwt.Verifier{Keys: keys, Issuer: valid.Issuer, Audience: "api.example.com", Type: "at+jwt", Now: exampleNow}, sign(&valid)), jwt.ErrInvalidType)
	check("ErrMissingClaim", verify(verifier, with(func(c *jwt.Claims) { c.ExpiresAt = time.Time{} })), jwt.ErrMissingClaim)
	revoking := &jwt.Verifier{Keys: keys, Issuer: valid.Issuer, Audience: "api.example.com", Now: exampleNow,
		Revoked: func(c *jwt.Claims, _ any) error {
			if c.ID == "token-1" {
				return fmt.Errorf("%w: %s", jwt.ErrRevoked, c.ID)
			}
			return nil
		}}
	check("ErrRevoked", verify(revoking, sign(&valid)), jwt.ErrRevoked)
	check("ErrMisconfigured", verify(&jwt.Verifier{Keys: keys, Audience: "api.example.com"}, sign(&valid)), jwt.ErrMisconfigured)
	// Output:
	// ErrMalformed              true
	// ErrTooLarge               true
	// ErrUnsupportedAlgorithm   true
	// ErrAlgorithmMismatch      true
	// ErrNoKey                  true
	// ErrBadSignature           true
	// ErrUnsupportedCritical    true
	// ErrKeyNotPermitted        true
	// ErrExpired                true
	// ErrNotYetValid            true
	// ErrInvalidIssuer          true
	// ErrInvalidAudience        true
	// ErrInvalidType            true
	// ErrMissingClaim           true
	// ErrRevoked                true
	// ErrMisconfigured          true
}

func ExampleAudience_Contains() {
	aud := jwt.Audience{"api.example.com", "admin.example.com"}
	fmt.Println(aud.Contains("admin.example.com"), aud.Contains("other.example.com"))
	// Output:
	// true false
}
