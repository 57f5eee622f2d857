package httpauth

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jwt"
)

func TestNewRefusesMisconfiguration(t *testing.T) {
	t.Parallel()
	keys := StaticKeys(publicSet(t, newSigningKey(t, jwk.ES256)))
	good := func() Config {
		return Config{Issuer: testIssuer, Audience: testAudience, Algorithms: []jwk.Algorithm{jwk.ES256},
			Keys: keys, Revocations: newTestRevocations()}
	}
	tests := []struct {
		name string
		mod  func(*Config)
	}{
		{"no issuer", func(c *Config) { c.Issuer = "" }},
		{"no audience", func(c *Config) { c.Audience = "" }},
		{"no algorithms", func(c *Config) { c.Algorithms = nil }},
		{"none algorithm", func(c *Config) { c.Algorithms = []jwk.Algorithm{"none"} }},
		{"unknown algorithm", func(c *Config) { c.Algorithms = []jwk.Algorithm{"ES257"} }},
		{"algorithm twice", func(c *Config) { c.Algorithms = []jwk.Algorithm{jwk.ES256, jwk.ES256} }},
		{"no keys", func(c *Config) { c.Keys = nil }},
		{"no revocations", func(c *Config) { c.Revocations = nil }},
		{"revocations and skip", func(c *Config) { c.InsecureSkipRevocationCheck = true }},
		{"negative cache", func(c *Config) { c.CacheSize = -1 }},
		{"huge cache", func(c *Config) { c.CacheSize = MaxCacheSize + 1 }},
		{"leeway above max", func(c *Config) { c.Leeway = jwt.MaxLeeway + time.Second }},
		{"realm with quote", func(c *Config) { c.Realm = `a"b` }},
		{"cookie name not a token", func(c *Config) { c.Cookie = &CookieConfig{Name: "a b"} }},
		{"csrf cookie same as access", func(c *Config) { c.Cookie = &CookieConfig{Name: "x", CSRFCookie: "x"} }},
		{"csrf header not a token", func(c *Config) { c.Cookie = &CookieConfig{CSRFHeader: "X:Y"} }},
		{"origin with path", func(c *Config) { c.Cookie = &CookieConfig{AllowedOrigins: []string{"https://app.example/"}} }},
		{"origin upper case", func(c *Config) { c.Cookie = &CookieConfig{AllowedOrigins: []string{"https://App.example"}} }},
		{"origin not http", func(c *Config) { c.Cookie = &CookieConfig{AllowedOrigins: []string{"ftp://app.example"}} }},
		{"origin null", func(c *Config) { c.Cookie = &CookieConfig{AllowedOrigins: []string{"null"}} }},
	}
	for _, tc := range tests {
		cfg := good()
		tc.mod(&cfg)
		if a, err := New(cfg); err == nil || a != nil {
			t.Errorf("%s: New = %v, %v; want an error", tc.name, a, err)
		}
	}
	cfg := good()
	cfg.Revocations, cfg.InsecureSkipRevocationCheck = nil, true
	if _, err := New(cfg); err != nil {
		t.Errorf("InsecureSkipRevocationCheck: %v", err)
	}
	cfg = good()
	cfg.Cookie = &CookieConfig{AllowedOrigins: []string{"https://app.example", "http://localhost:5173"}}
	if _, err := New(cfg); err != nil {
		t.Errorf("valid cookie config: %v", err)
	}
}

// TestChallenges checks each refusal's status and challenge (RFC 6750,
// Section 3; DESIGN §4): no credentials → 401 without an error code, any
// bad token → 401 invalid_token with one fixed description.
func TestChallenges(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	h := f.a.Middleware(okHandler)
	const (
		noCreds = `Bearer realm="test"`
		invalid = `Bearer realm="test", error="invalid_token", error_description="The access token is invalid, expired or revoked."`
	)
	other := newSigningKey(t, jwk.ES256)
	rsa := newSigningKey(t, jwk.RS256)
	tests := []struct {
		name   string
		header []string // Authorization values
		status int
		chal   string
	}{
		{"valid", []string{"Bearer " + f.token(t, nil)}, 200, ""},
		{"scheme case-insensitive", []string{"bearer " + f.token(t, nil)}, 200, ""},
		{"no header", nil, 401, noCreds},
		{"basic scheme", []string{"Basic dXNlcjpwYXNz"}, 401, noCreds},
		{"bearer prefix of another scheme", []string{"Bearerx abc"}, 401, noCreds},
		{"bearer alone", []string{"Bearer"}, 401, invalid},
		{"bearer tab", []string{"Bearer\tabc"}, 401, invalid},
		{"two spaces", []string{"Bearer  " + f.token(t, nil)}, 401, invalid},
		{"not token68", []string{"Bearer a,b"}, 401, invalid},
		{"two headers", []string{"Bearer " + f.token(t, nil), "Bearer " + f.token(t, nil)}, 401, invalid},
		{"garbage", []string{"Bearer abc.def.ghi"}, 401, invalid},
		{"expired", []string{"Bearer " + f.token(t, func(c *Claims) { c.ExpiresAt = f.clock.Now().Add(-time.Hour) })}, 401, invalid},
		{"not yet valid", []string{"Bearer " + f.token(t, func(c *Claims) { c.IssuedAt = f.clock.Now().Add(time.Hour) })}, 401, invalid},
		{"wrong issuer", []string{"Bearer " + f.token(t, func(c *Claims) { c.Issuer = "https://evil.example" })}, 401, invalid},
		{"wrong audience", []string{"Bearer " + f.token(t, func(c *Claims) { c.Audience = jwt.Audience{"other"} })}, 401, invalid},
		{"no jti", []string{"Bearer " + f.token(t, func(c *Claims) { c.ID = "" })}, 401, invalid},
		{"no client_id", []string{"Bearer " + signToken(t, f.key, "at+jwt", &f.claims().Claims)}, 401, invalid},
		{"typ JWT", []string{"Bearer " + signToken(t, f.key, "JWT", f.claims())}, 401, invalid},
		{"unknown key", []string{"Bearer " + signToken(t, other, "at+jwt", f.claims())}, 401, invalid},
		{"algorithm not allowed", []string{"Bearer " + signToken(t, rsa, "at+jwt", f.claims())}, 401, invalid},
		{"oversized", []string{"Bearer " + strings.Repeat("a", MaxTokenSize+1)}, 401, invalid},
	}
	for _, tc := range tests {
		req := bearerRequest("GET", "")
		for _, v := range tc.header {
			req.Header.Add("Authorization", v)
		}
		rec := do(h, req)
		if rec.Code != tc.status || rec.Header().Get("WWW-Authenticate") != tc.chal {
			t.Errorf("%s: %d %q; want %d %q", tc.name, rec.Code, rec.Header().Get("WWW-Authenticate"), tc.status, tc.chal)
		}
		if tc.status != 200 {
			var body struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code == "" {
				t.Errorf("%s: body %q", tc.name, rec.Body)
			}
		}
	}
}

func TestRevokedAndUnavailable(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	h := f.a.Middleware(okHandler)
	tok := f.token(t, nil)
	if rec := do(h, bearerRequest("GET", tok)); rec.Code != 200 || rec.Body.String() != "user-1" {
		t.Fatalf("valid token: %d %q", rec.Code, rec.Body)
	}
	f.revs.setUnavailable(true)
	rec := do(h, bearerRequest("GET", tok))
	if rec.Code != 503 || rec.Header().Get("Retry-After") == "" || rec.Header().Get("WWW-Authenticate") != "" {
		t.Fatalf("unavailable: %d Retry-After %q WWW-Authenticate %q", rec.Code, rec.Header().Get("Retry-After"), rec.Header().Get("WWW-Authenticate"))
	}
	f.revs.setUnavailable(false)
	f.revs.revokeSID("sess-1")
	rec = do(h, bearerRequest("GET", tok))
	if rec.Code != 401 || !strings.Contains(rec.Header().Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Fatalf("revoked session: %d %q", rec.Code, rec.Header().Get("WWW-Authenticate"))
	}
	_, err := f.a.Authenticate(bearerRequest("GET", tok))
	if !errors.Is(err, ErrInvalidToken) || !errors.Is(err, jwt.ErrRevoked) {
		t.Fatalf("Authenticate = %v; want ErrInvalidToken wrapping jwt.ErrRevoked", err)
	}
	// The kid of the verified header reaches the replica.
	f.revs.revokeKID(f.key.KeyID())
	tok2 := f.token(t, func(c *Claims) { c.SessionID = "sess-2" })
	if _, err := f.a.Authenticate(bearerRequest("GET", tok2)); !errors.Is(err, jwt.ErrRevoked) {
		t.Fatalf("revoked kid: %v", err)
	}
}

func TestRequireScopeAndRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	tok := f.token(t, nil) // scope "read write", roles [editor]
	tests := []struct {
		name   string
		guard  func(http.Handler) http.Handler
		status int
		chal   string
	}{
		{"one scope", RequireScope("read"), 200, ""},
		{"all scopes", RequireScope("read", "write"), 200, ""},
		{"missing scope", RequireScope("read", "admin"), 403, `Bearer realm="test", error="insufficient_scope", error_description="The access token does not grant this request.", scope="read admin"`},
		{"scope prefix is not a scope", RequireScope("rea"), 403, `Bearer realm="test", error="insufficient_scope", error_description="The access token does not grant this request.", scope="rea"`},
		{"role", RequireRole("editor"), 200, ""},
		{"any role", RequireRole("admin", "editor"), 200, ""},
		{"missing role", RequireRole("admin"), 403, `Bearer realm="test", error="insufficient_scope", error_description="The access token does not grant this request."`},
	}
	for _, tc := range tests {
		h := f.a.Middleware(tc.guard(okHandler))
		rec := do(h, bearerRequest("GET", tok))
		if rec.Code != tc.status || rec.Header().Get("WWW-Authenticate") != tc.chal {
			t.Errorf("%s: %d %q; want %d %q", tc.name, rec.Code, rec.Header().Get("WWW-Authenticate"), tc.status, tc.chal)
		}
	}
	// Without the middleware in front, the guards let nothing through.
	rec := do(RequireScope("read")(okHandler), bearerRequest("GET", tok))
	if rec.Code != 401 {
		t.Errorf("RequireScope without Middleware: %d", rec.Code)
	}
}

func TestErrorWriter(t *testing.T) {
	t.Parallel()
	var got error
	f := newFixture(t, func(c *Config) {
		c.ErrorWriter = func(w http.ResponseWriter, r *http.Request, err error) {
			got = err
			w.WriteHeader(418)
		}
	})
	rec := do(f.a.Middleware(RequireRole("admin")(okHandler)), bearerRequest("GET", f.token(t, nil)))
	if rec.Code != 418 || !errors.Is(got, ErrInsufficientScope) {
		t.Fatalf("ErrorWriter: %d %v", rec.Code, got)
	}
}

func TestClaimsHelpers(t *testing.T) {
	t.Parallel()
	c := &Claims{Scope: "a  b c", Roles: []string{"x"}}
	for s, want := range map[string]bool{"a": true, "b": true, "c": true, "": false, "a b": false, "d": false} {
		if c.HasScope(s) != want {
			t.Errorf("HasScope(%q) = %v", s, !want)
		}
	}
	if !c.HasRole("x") || c.HasRole("") || c.HasRole("y") {
		t.Error("HasRole")
	}
}

// TestNoKeysUnavailable: a key source without keys makes every request
// 503, never 401: the service cannot decide, the token may be fine.
func TestNoKeysUnavailable(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	tok := f.token(t, nil)
	g := newFixture(t, func(c *Config) { c.Keys = StaticKeys(nil) })
	rec := do(g.a.Middleware(okHandler), bearerRequest("GET", tok))
	if rec.Code != 503 || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("no keys: %d Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
}
