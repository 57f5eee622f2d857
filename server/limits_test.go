package server_test

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/limit"
	"github.com/wardauth/ward/auth/password"
	"github.com/wardauth/ward/server"
)

// Client addresses of the limits tests, from RFC 5737's documentation
// ranges; the server believes X-Forwarded-For from loopback.
const (
	attackerIP = "198.51.100.66"
	ownerIP    = "203.0.113.10"
)

var loopbackProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// hashCounter counts argon2id work through auth.Config.OnHash.
type hashCounter struct {
	mu     sync.Mutex
	n      int
	blocks uint64
}

func (h *hashCounter) add(p password.Params) {
	h.mu.Lock()
	h.n++
	h.blocks += p.Work()
	h.mu.Unlock()
}

func (h *hashCounter) take() (n int, blocks uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	n, blocks = h.n, h.blocks
	h.n, h.blocks = 0, 0
	return n, blocks
}

// limitsEnv is a server that trusts loopback as its proxy and counts
// hashes; mod adjusts the service's configuration.
func limitsEnv(t *testing.T, mod func(*auth.Config), smod func(*server.Config)) (*env, *hashCounter) {
	t.Helper()
	hc := &hashCounter{}
	e := newEnv(t, envOptions{
		auth: func(c *auth.Config) {
			c.OnHash = hc.add
			if mod != nil {
				mod(c)
			}
		},
		server: func(c *server.Config) {
			c.TrustedProxies = loopbackProxies
			if smod != nil {
				smod(c)
			}
		},
	})
	return e, hc
}

// from returns the header that makes a request come from ip.
func from(ip string, more ...string) []string {
	return append([]string{"X-Forwarded-For", ip}, more...)
}

func (e *env) loginFrom(ip, email, pw string) *response {
	e.t.Helper()
	return e.do("POST", "/v1/auth/login", map[string]string{"email": email, "password": pw}, from(ip)...)
}

// expectRateLimited checks a 429 with the stable code and an integer
// Retry-After of at least one second, and returns it.
func expectRateLimited(tb testing.TB, r *response, oauth bool) int {
	tb.Helper()
	expectStatus(tb, r, http.StatusTooManyRequests)
	if oauth {
		expectOAuthError(tb, r, http.StatusTooManyRequests, "rate_limited")
	} else if code := r.errorCode(tb); code != auth.CodeRateLimited {
		tb.Fatalf("code %q, want rate_limited", code)
	}
	ra, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || ra < 1 {
		tb.Fatalf("Retry-After %q, want whole seconds ≥ 1", r.header.Get("Retry-After"))
	}
	return ra
}

func (e *env) auditOf(typ, outcome string) int {
	e.t.Helper()
	evs, err := e.svc.Audit(context.Background(), auth.AuditQuery{Type: typ, Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		if ev.Outcome == outcome {
			n++
		}
	}
	return n
}

// TestLoginLimitedPerAddress: repeated wrong passwords from one address
// get 429 with Retry-After and rate_limited, without hashing or audit
// rows, while the same account still logs in from another address.
func TestLoginLimitedPerAddress(t *testing.T) {
	e, hc := limitsEnv(t, nil, nil)
	e.signup("owner@example.com")
	burst := auth.DefaultLoginAccountLimit.Burst
	for i := range burst {
		r := e.loginFrom(attackerIP, "owner@example.com", "Wrong-Guess-"+strconv.Itoa(i))
		if r.errorCode(t) != auth.CodeInvalidCredentials {
			t.Fatalf("guess %d: %d %s", i+1, r.status, r.body)
		}
	}
	hc.take()
	for range 20 {
		expectRateLimited(t, e.loginFrom(attackerIP, "owner@example.com", "Another-Guess-1"), false)
	}
	// The right password from the attacker's address is refused too: the
	// limit comes before the check.
	expectRateLimited(t, e.loginFrom(attackerIP, "owner@example.com", testPassword), false)
	if n, _ := hc.take(); n != 0 {
		t.Fatalf("refused logins computed %d hashes, want none", n)
	}
	if n := e.auditOf(auth.EventLogin, auth.OutcomeFailure); n != burst {
		t.Fatalf("%d failed logins audited, want the %d within the limit", n, burst)
	}
	// The owner, elsewhere, is not locked out.
	expectStatus(t, e.loginFrom(ownerIP, "owner@example.com", testPassword), http.StatusOK)
}

// TestLoginLimitPerAddressAcrossAccounts: one address trying many
// accounts runs into the per-address limit, which then costs no hashing.
func TestLoginLimitPerAddressAcrossAccounts(t *testing.T) {
	e, hc := limitsEnv(t, func(c *auth.Config) { c.Limits.Login = limit.Rate{Burst: 4, Every: time.Minute} }, nil)
	for i := range 4 {
		r := e.loginFrom(attackerIP, "user"+strconv.Itoa(i)+"@example.com", "Some-Guess-123")
		if r.errorCode(t) != auth.CodeInvalidCredentials {
			t.Fatalf("attempt %d: %d %s", i+1, r.status, r.body)
		}
	}
	hc.take()
	ra := expectRateLimited(t, e.loginFrom(attackerIP, "user9@example.com", "Some-Guess-123"), false)
	if ra != 60 {
		t.Errorf("Retry-After %d, want 60", ra)
	}
	if n, _ := hc.take(); n != 0 {
		t.Fatalf("a refused login computed %d hashes", n)
	}
	if r := e.loginFrom(ownerIP, "user9@example.com", "Some-Guess-123"); r.errorCode(t) != auth.CodeInvalidCredentials {
		t.Fatalf("another address: %d %s", r.status, r.body)
	}
}

// TestLoginGrowingDelays: per account and address, each consecutive
// failure halves the refill rate (the delays double), and a success
// restores it. The clock is the service's injected clock.
func TestLoginGrowingDelays(t *testing.T) {
	e, _ := limitsEnv(t, func(c *auth.Config) { c.Limits.LoginAccount = limit.Rate{Burst: 1, Every: 10 * time.Second} }, nil)
	e.signup("slow@example.com")
	for _, want := range []int{20, 40, 80, 160} {
		if r := e.loginFrom(attackerIP, "slow@example.com", "Wrong-Guess-42"); r.status != http.StatusUnauthorized {
			t.Fatalf("after waiting: %d %s", r.status, r.body)
		}
		if got := expectRateLimited(t, e.loginFrom(attackerIP, "slow@example.com", "Wrong-Guess-42"), false); got != want {
			t.Fatalf("Retry-After %d, want %d", got, want)
		}
		e.clock.Advance(time.Duration(want-1) * time.Second)
		if got := expectRateLimited(t, e.loginFrom(attackerIP, "slow@example.com", testPassword), false); got != 1 {
			t.Fatalf("a second early: Retry-After %d, want 1", got)
		}
		e.clock.Advance(time.Second)
	}
	expectStatus(t, e.loginFrom(attackerIP, "slow@example.com", testPassword), http.StatusOK)
	// The success reset the pair: one failure waits the base delay again.
	e.clock.Advance(10 * time.Second)
	expectStatus(t, e.loginFrom(attackerIP, "slow@example.com", "Wrong-Guess-42"), http.StatusUnauthorized)
	if got := expectRateLimited(t, e.loginFrom(attackerIP, "slow@example.com", "Wrong-Guess-42"), false); got != 20 {
		t.Fatalf("after a success: Retry-After %d, want 20", got)
	}
}

// TestUnknownUserLikeWrongPassword: an unknown email and a wrong password
// get the same status, headers and body, and cost the same argon2id work,
// also for an account whose hash was written under cheaper parameters.
func TestUnknownUserLikeWrongPassword(t *testing.T) {
	current := password.Params{Memory: 19456, Time: 3, Threads: 1}
	e, hc := limitsEnv(t, func(c *auth.Config) { c.Argon2 = current }, nil)
	e.signup("known@example.com")
	oldID := e.signup("old@example.com")
	// Rewrite old@'s hash under the previous (cheaper) parameters.
	old, err := password.New(password.MinParams, password.Options{})
	if err != nil {
		t.Fatal(err)
	}
	oldHash, err := old.Hash(context.Background(), testPassword)
	if err != nil {
		t.Fatal(err)
	}
	err = e.db.Update(context.Background(), func(tx auth.Tx) error {
		u, err := tx.User(oldID)
		if err != nil {
			return err
		}
		u.PasswordHash = oldHash
		return tx.UpdateUser(u)
	})
	if err != nil {
		t.Fatal(err)
	}
	hc.take()
	type answer struct {
		status int
		body   string
		n      int
		blocks uint64
	}
	try := func(email string) answer {
		r := e.loginFrom(ownerIP, email, "Wrong-Password-77")
		n, blocks := hc.take()
		return answer{r.status, string(r.body), n, blocks}
	}
	unknown := try("nobody@example.com")
	if unknown.status != http.StatusUnauthorized || unknown.blocks != current.Work() {
		t.Fatalf("unknown user: %+v, want 401 and %d blocks", unknown, current.Work())
	}
	for _, email := range []string{"known@example.com", "old@example.com"} {
		got := try(email)
		if got.status != unknown.status || got.body != unknown.body || got.blocks != unknown.blocks {
			t.Errorf("%s with a wrong password: %+v; unknown user: %+v", email, got, unknown)
		}
	}
	// The right password still works for the old hash (and upgrades it).
	expectStatus(t, e.loginFrom(ownerIP, "old@example.com", testPassword), http.StatusOK)
}

// TestClientAuthFloodBoundedAudit: 1,000 failed client authentications
// from one address write as many audit rows as the limit's burst; the
// rest are refused with 429 and counted in one summary log line.
func TestClientAuthFloodBoundedAudit(t *testing.T) {
	e, _ := limitsEnv(t, func(c *auth.Config) { c.Limits.SummaryInterval = 20 * time.Millisecond }, nil)
	id, secret := e.addClient("billing:read")
	before := e.auditCount()
	form := url.Values{"grant_type": {"client_credentials"}}
	var refused int
	for i := range 1000 {
		r := e.do("POST", "/oauth2/token", form, from(attackerIP, basic(id, "wcs_wrong-secret-"+strconv.Itoa(i))...)...)
		switch r.status {
		case http.StatusUnauthorized:
		case http.StatusTooManyRequests:
			expectRateLimited(t, r, true)
			refused++
		default:
			t.Fatalf("attempt %d: %d %s", i+1, r.status, r.body)
		}
	}
	burst := auth.DefaultClientAuthLimit.Burst
	if grown := e.auditCount() - before; grown != burst {
		t.Fatalf("the audit table grew by %d rows, want %d (the failures within the limit)", grown, burst)
	}
	if refused != 1000-burst {
		t.Fatalf("%d refused, want %d", refused, 1000-burst)
	}
	// The right client from another address is served.
	r := e.do("POST", "/oauth2/token", form, from(ownerIP, basic(id, secret)...)...)
	expectStatus(t, r, http.StatusOK)
	// The refusals are logged in aggregate: per key and interval, their
	// counts add up.
	prefix := "msg=rate_limited limit=client_auth key=" + attackerIP + " count="
	deadline := time.Now().Add(5 * time.Second)
	for {
		sum := 0
		for line := range strings.Lines(e.logs.String()) {
			if _, rest, ok := strings.Cut(line, prefix); ok {
				n, _ := strconv.Atoi(strings.Fields(rest)[0])
				sum += n
			}
		}
		if sum == refused {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the summaries count %d refusals, want %d:\n%s", sum, refused, e.logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestLimitsPerAddress: sign-up, password change, client authentication
// at the introspection endpoint and introspection itself are limited per
// address; another address is served.
func TestLimitsPerAddress(t *testing.T) {
	two := limit.Rate{Burst: 2, Every: time.Hour}
	e, _ := limitsEnv(t, func(c *auth.Config) {
		c.Limits.Signup, c.Limits.PasswordChange, c.Limits.ClientAuth, c.Limits.Introspect = two, two, two, limit.Rate{Burst: 3, Every: time.Hour}
	}, nil)
	signup := func(ip, email string) *response {
		return e.do("POST", "/v1/auth/signup", map[string]string{"email": email, "password": testPassword}, from(ip)...)
	}
	t.Run("signup", func(t *testing.T) {
		expectStatus(t, signup(attackerIP, "s1@example.com"), http.StatusCreated)
		expectStatus(t, signup(attackerIP, "s2@example.com"), http.StatusCreated)
		expectRateLimited(t, signup(attackerIP, "s3@example.com"), false)
		expectStatus(t, signup(ownerIP, "s3@example.com"), http.StatusCreated)
	})
	t.Run("password change", func(t *testing.T) {
		tok := e.login("s3@example.com", testPassword)
		change := func(ip, current string) *response {
			return e.do("POST", "/v1/me/password", map[string]string{"current_password": current, "new_password": newPassword},
				from(ip, bearer(tok.access)...)...)
		}
		expectStatus(t, change(attackerIP, "Wrong-Current-1"), http.StatusUnauthorized)
		expectStatus(t, change(attackerIP, "Wrong-Current-2"), http.StatusUnauthorized)
		expectRateLimited(t, change(attackerIP, testPassword), false)
		expectStatus(t, change(ownerIP, testPassword), http.StatusNoContent)
	})
	id, secret := e.addClient("api:read")
	tok := e.login("s1@example.com", testPassword)
	introspect := func(ip, secret string) *response {
		return e.do("POST", "/oauth2/introspect", url.Values{"token": {tok.access}}, from(ip, basic(id, secret)...)...)
	}
	t.Run("client auth", func(t *testing.T) {
		expectStatus(t, introspect(attackerIP, "wcs_wrong"), http.StatusUnauthorized)
		expectStatus(t, introspect(attackerIP, "wcs_wrong"), http.StatusUnauthorized)
		expectRateLimited(t, introspect(attackerIP, secret), true)
		expectStatus(t, introspect(ownerIP, secret), http.StatusOK)
	})
	t.Run("introspection", func(t *testing.T) {
		const ip = "192.0.2.44"
		for range 3 {
			expectStatus(t, introspect(ip, secret), http.StatusOK)
		}
		expectRateLimited(t, introspect(ip, secret), true)
		expectStatus(t, introspect(ownerIP, secret), http.StatusOK)
	})
}

// TestPasswordGrantSharesLoginLimits: failed logins through the app API
// and the OAuth password grant spend the same buckets.
func TestPasswordGrantSharesLoginLimits(t *testing.T) {
	e, _ := limitsEnv(t, func(c *auth.Config) { c.Limits.LoginAccount = limit.Rate{Burst: 4, Every: time.Hour} },
		func(c *server.Config) { c.EnablePasswordGrant = true })
	e.signup("legacy@example.com")
	grant := func(ip, pw string) *response {
		return e.do("POST", "/oauth2/token", url.Values{"grant_type": {"password"}, "username": {"legacy@example.com"}, "password": {pw}}, from(ip)...)
	}
	expectStatus(t, e.loginFrom(attackerIP, "legacy@example.com", "Wrong-Guess-1"), http.StatusUnauthorized)
	expectStatus(t, e.loginFrom(attackerIP, "legacy@example.com", "Wrong-Guess-2"), http.StatusUnauthorized)
	expectOAuthError(t, grant(attackerIP, "Wrong-Guess-3"), http.StatusBadRequest, "invalid_grant")
	expectOAuthError(t, grant(attackerIP, "Wrong-Guess-4"), http.StatusBadRequest, "invalid_grant")
	expectRateLimited(t, grant(attackerIP, testPassword), true)
	expectRateLimited(t, e.loginFrom(attackerIP, "legacy@example.com", testPassword), false)
	expectStatus(t, grant(ownerIP, testPassword), http.StatusOK)
}
