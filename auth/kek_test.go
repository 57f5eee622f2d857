package auth_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/jose/jwk"
)

// keyStates returns kid → state of e's keys, as ListKeys reports them.
func (e *env) keyStates(tb testing.TB, svc *auth.Service) map[string]string {
	tb.Helper()
	keys, err := svc.ListKeys(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	m := map[string]string{}
	for _, k := range keys {
		m[k.KeyID] = k.State
	}
	return m
}

// putKey writes r to e's store as it is (no MAC computed), as a hand edit
// of the database would.
func (e *env) putKey(tb testing.TB, r *auth.KeyRecord) {
	tb.Helper()
	if err := e.db.Update(ctx, func(tx auth.Tx) error { return tx.PutKey(r) }); err != nil {
		tb.Fatal(err)
	}
}

func (e *env) keyRecords(tb testing.TB) []*auth.KeyRecord {
	tb.Helper()
	var recs []*auth.KeyRecord
	err := e.db.View(ctx, func(tx auth.ReadTx) error {
		var err error
		recs, err = tx.Keys()
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return recs
}

func foreignPublic(tb testing.TB, kid string) []byte {
	tb.Helper()
	k, err := jwk.Generate("ES256")
	if err != nil {
		tb.Fatal(err)
	}
	pub, err := k.(*jwk.PrivateKey).WithKeyID(kid).Public().MarshalJSON()
	if err != nil {
		tb.Fatal(err)
	}
	return pub
}

// TestLegacyKeyRecordsUpgrade: a store from before key records had a MAC
// keeps its keys and refresh tokens on its first start with the
// key-encryption key (the records whose sealed private half opens under it
// and matches their public half get their MAC), while records that do not
// (inserted, or with a swapped public key) are refused; once upgraded, a
// record whose MAC is removed is refused.
func TestLegacyKeyRecordsUpgrade(t *testing.T) {
	e := newEnv(t, nil)
	e.signup(t, "old@example.com")
	p := e.login(t, "old@example.com")
	before := e.keyStates(t, e.svc)
	if err := auth.MakeLegacy(e.db, testKEK); err != nil {
		t.Fatal(err)
	}
	recs := e.keyRecords(t)
	var next *auth.KeyRecord
	for _, r := range recs {
		if len(r.MAC) != 0 {
			t.Fatal("MakeLegacy left a MAC")
		}
		if r.State == auth.KeyNext {
			next = r
		}
	}
	// A forged row without a MAC, and the next key's public half swapped.
	e.putKey(t, &auth.KeyRecord{KeyID: "forged", Algorithm: "ES256", State: auth.KeyRetired, Private: next.Private,
		Public: foreignPublic(t, "forged"), CreatedAt: e.clock.Now(), RetiredAt: e.clock.Now()})
	next.Public = foreignPublic(t, next.KeyID)
	e.putKey(t, next)

	svc := e.service(t, nil)
	after := e.keyStates(t, svc)
	for kid, state := range before {
		want := state
		if kid == next.KeyID {
			want = auth.KeyRefused
		}
		if after[kid] != want {
			t.Errorf("key %s: %s after the upgrade, want %s", kid, after[kid], want)
		}
	}
	if after["forged"] != auth.KeyRefused || bytes.Contains(svc.JWKS(), []byte(`"forged"`)) || bytes.Contains(svc.JWKS(), []byte(next.KeyID)) {
		t.Fatalf("forged records after the upgrade: %v\n%s", after, svc.JWKS())
	}
	if _, err := svc.Authenticate(ctx, p.AccessToken); err != nil {
		t.Fatalf("a token signed before the upgrade: %v", err)
	}
	if _, err := svc.Refresh(ctx, p.RefreshToken, meta); err != nil {
		t.Fatalf("a refresh token from before the upgrade: %v", err)
	}
	for _, r := range e.keyRecords(t) {
		if _, ok := before[r.KeyID]; ok && r.KeyID != next.KeyID && len(r.MAC) == 0 {
			t.Fatalf("key %s has no MAC after the upgrade", r.KeyID)
		}
	}

	// The upgrade happens once: a MAC removed later is not re-learned.
	active := svc.ActiveKeyID()
	for _, r := range e.keyRecords(t) {
		if r.KeyID == active {
			r.MAC = nil
			e.putKey(t, r)
		}
	}
	again := e.service(t, nil)
	if again.ActiveKeyID() == active || e.keyStates(t, again)[active] != auth.KeyRefused {
		t.Fatal("a key record whose MAC was removed after the upgrade was accepted")
	}
}

// TestRewrapKEK: RewrapKEK re-seals every key and secret under the new
// key-encryption key in one transaction: the store then opens with the
// new key only, and keeps its keys, sessions, users and clients; a
// refused record stays refused.
func TestRewrapKEK(t *testing.T) {
	e := newEnv(t, nil)
	e.signup(t, "wrap@example.com")
	p := e.login(t, "wrap@example.com")
	c, secret, err := e.svc.AddClient(ctx, auth.ClientSpec{Name: "c"}, meta)
	if err != nil {
		t.Fatal(err)
	}
	e.putKey(t, &auth.KeyRecord{KeyID: "forged", Algorithm: "ES256", State: auth.KeyRetired, Private: []byte{1},
		Public: foreignPublic(t, "forged"), CreatedAt: e.clock.Now(), RetiredAt: e.clock.Now()})
	before := e.keyStates(t, e.svc)
	jwks := e.svc.JWKS()

	newKEK := bytes.Repeat([]byte{0x17}, auth.KEKSize)
	for _, bad := range [][]byte{testKEK, newKEK[:16]} {
		_, err := e.svc.RewrapKEK(ctx, bad, meta)
		wantCode(t, err, auth.CodeInvalidRequest)
	}
	res, err := e.svc.RewrapKEK(ctx, newKEK, meta)
	if err != nil {
		t.Fatal(err)
	}
	if res.Keys != 2 || res.Secrets != 1 || !slices.Equal(res.Refused, []string{"forged"}) {
		t.Fatalf("RewrapKEK = %+v", res)
	}
	evs, err := e.svc.Audit(ctx, auth.AuditQuery{Type: auth.EventKEKRewrap})
	if err != nil || len(evs) != 1 || evs[0].Detail != "keys=2 secrets=1 refused=1" {
		t.Fatalf("kek_rewrap events = %+v, %v", evs, err)
	}

	// The old key opens nothing.
	if _, err := auth.NewService(ctx, e.db, testKEK, auth.Config{Issuer: "https://auth.example.com", Now: e.clock.Now}); err == nil {
		t.Fatal("the old key-encryption key still opens the store")
	}
	// The new one opens everything.
	svc, err := auth.NewService(ctx, e.db, newKEK, auth.Config{Issuer: "https://auth.example.com", Audience: []string{"https://api.example.com"}, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.keyStates(t, svc); len(got) != len(before) || got["forged"] != auth.KeyRefused || got[svc.ActiveKeyID()] != auth.KeyActive {
		t.Fatalf("keys after the rewrap: %v, before %v", got, before)
	}
	if !bytes.Equal(svc.JWKS(), jwks) {
		t.Fatalf("JWKS changed:\n%s\n%s", jwks, svc.JWKS())
	}
	if _, err := svc.Authenticate(ctx, p.AccessToken); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Refresh(ctx, p.RefreshToken, meta); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Login(ctx, "wrap@example.com", goodPassword, meta); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ClientCredentials(ctx, c.ID, secret, nil, meta); err != nil {
		t.Fatal(err)
	}
	// The service that rewrapped goes on under the new key: what it
	// writes opens under the new key.
	if err := e.svc.RevokeKey(ctx, e.svc.ActiveKeyID(), meta); err != nil {
		t.Fatal(err)
	}
	svc, err = auth.NewService(ctx, e.db, newKEK, auth.Config{Issuer: "https://auth.example.com", Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.keyStates(t, svc); got[svc.ActiveKeyID()] != auth.KeyActive || got[e.svc.ActiveKeyID()] != auth.KeyActive {
		t.Fatalf("keys after a revocation under the new key: %v", got)
	}
}
