package httpauth_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/wardauth/ward/httpauth"
	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jwt"
)

// denylist is a stand-in for the revocation feed (httpauth.Feed): the
// token IDs revoked so far.
type denylist struct {
	mu  sync.Mutex
	ids map[string]bool
}

func (d *denylist) Check(c *jwt.Claims, sid, kid string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ids[c.ID] {
		return jwt.ErrRevoked
	}
	return nil
}

// issuer stands in for `ward serve`: it signs access tokens and serves
// its metadata and JWKS on loopback.
type issuer struct {
	*httptest.Server
	key *jwk.PrivateKey
}

func newIssuer() *issuer {
	k, err := jwk.Generate(jwk.ES256)
	if err != nil {
		log.Fatal(err)
	}
	is := &issuer{key: k.(*jwk.PrivateKey)}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/oauth-authorization-server", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"issuer":%q,"jwks_uri":%q}`, is.URL, is.URL+"/.well-known/jwks.json")
	})
	mux.HandleFunc("/.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		set, _ := jwk.NewSet(is.key.Public())
		b, _ := set.MarshalJSON()
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Write(b)
	})
	is.Server = httptest.NewServer(mux)
	return is
}

func (is *issuer) token(scope, jti string) string {
	now := time.Now()
	s := jwt.Signer{Key: is.key, Type: "at+jwt"}
	tok, err := s.Sign(&httpauth.Claims{
		Claims: jwt.Claims{Issuer: is.URL, Subject: "user-42", Audience: jwt.Audience{"orders-api"},
			IssuedAt: now, ExpiresAt: now.Add(10 * time.Minute), ID: jti},
		SessionID: "sess-1", ClientID: "web", Scope: scope,
	})
	if err != nil {
		log.Fatal(err)
	}
	return tok
}

func get(h http.Handler, tok string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", "/orders", nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// A service protects its routes: keys from the issuer's metadata, every
// token checked against the revocations, claims in the request context.
func ExampleNew() {
	is := newIssuer()
	defer is.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	keys, err := httpauth.NewRemoteKeySet(ctx, httpauth.RemoteKeySetConfig{Issuer: is.URL})
	if err != nil {
		log.Fatal(err)
	}
	revoked := &denylist{ids: map[string]bool{}}
	a, err := httpauth.New(httpauth.Config{
		Issuer:      is.URL,
		Audience:    "orders-api",
		Algorithms:  []jwk.Algorithm{jwk.ES256},
		Keys:        keys,
		Revocations: revoked, // in production: an *httpauth.Feed
		CacheSize:   10000,
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /orders", a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := httpauth.ClaimsFrom(r.Context())
		fmt.Fprintf(w, "orders of %s", c.Subject)
	})))

	rec := get(mux, is.token("orders:read", "t1"))
	fmt.Println(rec.Code, rec.Body)
	rec = get(mux, "")
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
	revoked.ids["t1"] = true
	rec = get(mux, is.token("orders:read", "t1"))
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
	// Output:
	// 200 orders of user-42
	// 401 Bearer
	// 401 Bearer error="invalid_token", error_description="The access token is invalid, expired or revoked."
}

// RequireScope guards one route behind the middleware.
func ExampleRequireScope() {
	is := newIssuer()
	defer is.Close()
	a, err := httpauth.New(httpauth.Config{
		Issuer:      is.URL,
		Audience:    "orders-api",
		Algorithms:  []jwk.Algorithm{jwk.ES256},
		Keys:        httpauth.StaticKeys(mustSet(is.key.Public())),
		Revocations: &denylist{},
	})
	if err != nil {
		log.Fatal(err)
	}
	write := a.Middleware(httpauth.RequireScope("orders:write")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "order placed")
	})))

	rec := get(write, is.token("orders:read orders:write", "t2"))
	fmt.Println(rec.Code, rec.Body)
	rec = get(write, is.token("orders:read", "t3"))
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
	// Output:
	// 200 order placed
	// 403 Bearer error="insufficient_scope", error_description="The access token does not grant this request.", scope="orders:write"
}

func mustSet(keys ...jwk.Key) *jwk.Set {
	s, err := jwk.NewSet(keys...)
	if err != nil {
		log.Fatal(err)
	}
	return s
}

// The errors of Authenticate say which answer a request gets, and wrap
// the jwt error that says why, for logs.
func ExampleAuthenticator_Authenticate_errorChecking() {
	is := newIssuer()
	defer is.Close()
	revoked := &denylist{ids: map[string]bool{"t4": true}}
	a, err := httpauth.New(httpauth.Config{
		Issuer: is.URL, Audience: "orders-api", Algorithms: []jwk.Algorithm{jwk.ES256},
		Keys: httpauth.StaticKeys(mustSet(is.key.Public())), Revocations: revoked,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, tok := range []string{"", "not-a-jwt", is.token("", "t4")} {
		req := httptest.NewRequest("GET", "/orders", nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		_, err := a.Authenticate(req)
		status, code := httpauth.Status(err)
		fmt.Println(errors.Is(err, httpauth.ErrNoToken), errors.Is(err, httpauth.ErrInvalidToken),
			errors.Is(err, jwt.ErrRevoked), status, code)
	}
	_, code := httpauth.Status(httpauth.ErrUnavailable)
	fmt.Println(code, errors.Is(fmt.Errorf("feed: %w", httpauth.ErrUnavailable), httpauth.ErrUnavailable))

	// The refusals of RequireScope and of the cookie's CSRF rule, as an
	// ErrorWriter sees them.
	var refused error
	b, err := httpauth.New(httpauth.Config{
		Issuer: is.URL, Audience: "orders-api", Algorithms: []jwk.Algorithm{jwk.ES256},
		Keys: httpauth.StaticKeys(mustSet(is.key.Public())), Revocations: revoked,
		Cookie:      &httpauth.CookieConfig{},
		ErrorWriter: func(w http.ResponseWriter, r *http.Request, err error) { refused = err },
	})
	if err != nil {
		log.Fatal(err)
	}
	h := b.Middleware(httpauth.RequireScope("orders:write")(http.NotFoundHandler()))
	get(h, is.token("orders:read", "t5"))
	fmt.Println(errors.Is(refused, httpauth.ErrInsufficientScope))
	req := httptest.NewRequest("POST", "/orders", nil) // no X-CSRF-Token, no Origin
	req.AddCookie(&http.Cookie{Name: httpauth.DefaultAccessCookie, Value: is.token("orders:write", "t6")})
	h.ServeHTTP(httptest.NewRecorder(), req)
	fmt.Println(errors.Is(refused, httpauth.ErrCSRF))
	// Output:
	// true false false 401 unauthorized
	// false true false 401 invalid_token
	// false true true 401 invalid_token
	// unavailable true
	// true
	// true
}
