package server_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"net/http"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // the driver of auth/sqlite, to write the file by hand

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jws"
)

// rawDB opens the env's SQLite file with database/sql, as someone with
// write access to the database (and not the key-encryption key) would.
func (e *env) rawDB() *sql.DB {
	e.t.Helper()
	db, err := sql.Open("sqlite", "file:"+e.db.Path()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { db.Close() })
	return db
}

func (e *env) exec(db *sql.DB, query string, args ...any) {
	e.t.Helper()
	res, err := db.Exec(query, args...)
	if err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		e.t.Fatalf("%s: %d rows", query, n)
	}
}

// foreignKey returns a new ES256 key, with kid if not empty.
func foreignKey(tb testing.TB, kid string) (*jwk.PrivateKey, []byte) {
	tb.Helper()
	k, err := jwk.Generate("ES256")
	if err != nil {
		tb.Fatal(err)
	}
	priv := k.(*jwk.PrivateKey)
	if kid != "" {
		priv = priv.WithKeyID(kid)
	}
	pub, err := priv.Public().MarshalJSON()
	if err != nil {
		tb.Fatal(err)
	}
	return priv, pub
}

// forge signs the header type and claims of the access token tok again
// with key.
func forge(tb testing.TB, tok string, key *jwk.PrivateKey) string {
	tb.Helper()
	u, err := jws.UnsafeDecode(tok, 0)
	if err != nil {
		tb.Fatal(err)
	}
	out, err := jws.AppendSign(nil, u.Payload, key, &jws.Header{Type: u.Header.Type})
	if err != nil {
		tb.Fatal(err)
	}
	return string(out)
}

// expectKeyRefused checks that kid is out of the JWKS, a token signed
// with its stored public key's owner is refused at /v1/me, and ListKeys
// shows the record as refused.
func (e *env) expectKeyRefused(svc *auth.Service, kid, forged string) {
	e.t.Helper()
	if set, _ := e.fetchJWKS(); kids(set)[kid] {
		e.t.Fatalf("the hand-written key %s is in the JWKS", kid)
	}
	if svc.ActiveKeyID() == kid {
		e.t.Fatalf("the hand-written key %s signs", kid)
	}
	expectStatus(e.t, e.do("GET", "/v1/me", nil, bearer(forged)...), http.StatusUnauthorized)
	keys, err := svc.ListKeys(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, k := range keys {
		if k.KeyID == kid && k.State != auth.KeyRefused {
			e.t.Fatalf("ListKeys shows the hand-written key %s as %q", kid, k.State)
		}
	}
}

// TestHandInsertedKeyRefused: a key row inserted into the database by
// hand, with a foreign public key, is refused when loaded (by a running
// server's sync, and at start-up): not published, its tokens refused at
// /v1/me, and logged. Before key records were authenticated, it reached
// the JWKS and its tokens passed.
func TestHandInsertedKeyRefused(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.signup("forge@example.com")
	tk := e.login("forge@example.com", testPassword)
	db := e.rawDB()
	now := e.clock.Now().UnixNano()
	mac := make([]byte, 32)
	rand.Read(mac)
	var forged []string
	for i, state := range []string{auth.KeyRetired, auth.KeyActive} {
		key, pub := foreignKey(t, "")
		rowMAC := []byte{}
		if i == 1 {
			rowMAC = mac // a made-up MAC fares no better than none
		}
		e.exec(db, `INSERT INTO signing_keys (kid, alg, state, private, public, created_at, activated_at, retired_at, mac) VALUES (?, 'ES256', ?, x'01', ?, ?, ?, ?, ?)`,
			key.KeyID(), state, pub, now, now, now, rowMAC)
		forged = append(forged, key.KeyID(), forge(t, tk.access, key))
	}
	if err := e.svc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(forged); i += 2 {
		e.expectKeyRefused(e.svc, forged[i], forged[i+1])
	}
	if n := strings.Count(e.logs.String(), "signing key record refused"); n != 2 {
		t.Fatalf("%d refusals logged, want one per record:\n%s", n, e.logs)
	}
	// Another sync logs nothing more; a restart refuses them too.
	if err := e.svc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(e.logs.String(), "signing key record refused"); n != 2 {
		t.Fatalf("%d refusals logged after a second sync, want 2", n)
	}
	restarted, err := auth.NewService(ctx, e.db, e.kek, auth.Config{Issuer: testIssuer, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(forged); i += 2 {
		if _, err := restarted.Authenticate(ctx, forged[i+1]); err == nil {
			t.Fatal("a token of a hand-inserted key verifies after a restart")
		}
	}
	// The real keys still work.
	expectStatus(t, e.do("GET", "/v1/me", nil, bearer(tk.access)...), http.StatusOK)
}

// TestHandEditedKeyRefused: a real key row edited by hand is refused when
// loaded: its public key swapped for a foreign one (same kid), or a
// revoked key put back into service.
func TestHandEditedKeyRefused(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.signup("edit@example.com")
	tk := e.login("edit@example.com", testPassword)
	db := e.rawDB()
	keys, err := e.svc.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var next string
	for _, k := range keys {
		if k.State == auth.KeyNext {
			next = k.KeyID
		}
	}
	key, pub := foreignKey(t, next)
	e.exec(db, `UPDATE signing_keys SET public = ? WHERE kid = ?`, pub, next)
	if err := e.svc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	e.expectKeyRefused(e.svc, next, forge(t, tk.access, key))
	expectStatus(t, e.do("GET", "/v1/me", nil, bearer(tk.access)...), http.StatusOK)

	// A revoked key put back as retired stays out.
	active := kidOf(t, tk.access)
	if err := e.svc.RevokeKey(ctx, active, auth.RequestMeta{}); err != nil {
		t.Fatal(err)
	}
	e.exec(db, `UPDATE signing_keys SET state = 'retired', revoked_at = 0, retired_at = ? WHERE kid = ?`, e.clock.Now().UnixNano(), active)
	if err := e.svc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	e.expectKeyRefused(e.svc, active, tk.access)
	// Without its MAC (as if from before key records had one) it stays
	// out too: the upgrade of such records happens once, on the first
	// start of a store from before.
	e.exec(db, `UPDATE signing_keys SET mac = x'' WHERE kid = ?`, active)
	restarted, err := auth.NewService(ctx, e.db, e.kek, auth.Config{Issuer: testIssuer, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := restarted.Authenticate(ctx, tk.access); err == nil {
		t.Fatal("a revoked key whose MAC was removed verifies after a restart")
	}
}
