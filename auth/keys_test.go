package auth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/authtest"
	"github.com/wardauth/ward/auth/postgres/pgtest"
	"github.com/wardauth/ward/jose/jws"
	"github.com/wardauth/ward/jose/jwt"
)

func jwksKIDs(t *testing.T, svc *auth.Service) []string {
	t.Helper()
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(svc.JWKS(), &set); err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range set.Keys {
		if _, ok := k["d"]; ok {
			t.Fatal("JWKS holds a private key")
		}
		kids = append(kids, k["kid"].(string))
	}
	return kids
}

func tokenKID(t *testing.T, tok string) string {
	t.Helper()
	u, err := jws.UnsafeDecode(tok, 0)
	if err != nil {
		t.Fatal(err)
	}
	return u.Header.KeyID
}

// TestKeyRotationTiming runs the keyring minute by minute through several
// scheduled and requested rotations and checks that every key was in the
// JWKS for at least the JWKS cache lifetime before it signed its first
// token, that tokens signed before a rotation verify until they expire,
// and that retired keys leave the JWKS once no token can need them.
func TestKeyRotationTiming(t *testing.T) {
	const cacheTTL, interval = 5 * time.Minute, 2 * time.Hour
	e := newEnv(t, func(c *auth.Config) {
		c.JWKSCacheTTL = cacheTTL
		c.KeyRotationInterval = interval
	})
	client, secret, err := e.svc.AddClient(ctx, auth.ClientSpec{Name: "rotation", Scopes: []string{"read"}}, meta)
	if err != nil {
		t.Fatal(err)
	}
	published := map[string]time.Time{} // kid → first seen in JWKS
	firstSigned := map[string]time.Time{}
	type issued struct {
		tok string
		exp time.Time
	}
	var tokens []issued
	retiredGone := 0
	check := func() {
		now := e.clock.Now()
		kids := jwksKIDs(t, e.svc)
		for _, k := range kids {
			if _, ok := published[k]; !ok {
				published[k] = now
			}
		}
		p, err := e.svc.ClientCredentials(ctx, client.ID, secret, nil, meta)
		if err != nil {
			t.Fatal(err)
		}
		kid := tokenKID(t, p.AccessToken)
		if _, ok := firstSigned[kid]; !ok {
			firstSigned[kid] = now
		}
		tokens = append(tokens, issued{p.AccessToken, p.ExpiresAt})
		for _, tk := range tokens {
			_, err := e.svc.Authenticate(ctx, tk.tok)
			switch {
			case now.Before(tk.exp) && err != nil:
				t.Fatalf("at %v a token signed by %s before a rotation fails: %v", now, tokenKID(t, tk.tok), err)
			case !now.Before(tk.exp.Add(auth.Leeway)) && !errors.Is(err, jwt.ErrExpired) && err == nil:
				t.Fatalf("an expired token verifies")
			}
		}
		tokens = slices.DeleteFunc(tokens, func(tk issued) bool { return now.After(tk.exp.Add(time.Hour)) })
		if len(kids) > 4 {
			t.Fatalf("JWKS holds %d keys: retired keys are not dropped", len(kids))
		}
	}
	// Initially: an active key and a published next key.
	if kids := jwksKIDs(t, e.svc); len(kids) != 2 {
		t.Fatalf("initial JWKS has %d keys, want active + next", len(kids))
	}
	first := e.svc.ActiveKeyID()
	// An immediate rotation request must wait for the next key's cache time.
	res, err := e.svc.RotateKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rotated || res.ActiveKeyID != first || res.ActivateAt.Before(e.clock.Now().Add(cacheTTL-time.Second)) {
		t.Fatalf("RotateKeys right after start: %+v", res)
	}
	rotations := 0
	for minute := 0; minute < 8*60; minute++ {
		check()
		if minute == 200 {
			// On-demand rotation: the next key has been published for long.
			res, err := e.svc.RotateKeys(ctx)
			if err != nil || !res.Rotated {
				t.Fatalf("RotateKeys at minute %d: %+v, %v", minute, res, err)
			}
			rotations++
			check()
			// A second request right after: the new next key is fresh.
			res, err = e.svc.RotateKeys(ctx)
			if err != nil || res.Rotated {
				t.Fatalf("second RotateKeys: %+v, %v", res, err)
			}
		}
		e.clock.Advance(time.Minute)
		rotated, err := e.svc.MaybeRotateKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rotated {
			rotations++
		}
	}
	if rotations < 4 {
		t.Fatalf("%d rotations in 8 hours with a 2-hour interval", rotations)
	}
	for kid, signed := range firstSigned {
		if kid == first {
			continue // the first key signs from the start: no verifier can have cached anything
		}
		if pub := published[kid]; signed.Sub(pub) < cacheTTL {
			t.Errorf("key %s signed %v after it was published, want at least %v", kid, signed.Sub(pub), cacheTTL)
		}
	}
	kids := jwksKIDs(t, e.svc)
	if slices.Contains(kids, first) {
		t.Errorf("the first key is still published hours after it retired")
	}
	keys, err := e.svc.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	for _, k := range keys {
		states[k.State]++
	}
	if states[auth.KeyActive] != 1 || states[auth.KeyNext] != 1 || len(keys) > 4 {
		t.Errorf("keys at the end: %v", states)
	}
	_ = retiredGone
	if n := e.auditTypes(t, auth.AuditQuery{Type: auth.EventKeyRotate})["key_rotate/success"]; n < rotations {
		t.Errorf("%d key_rotate events for %d rotations", n, rotations)
	}
}

func TestRevokeKey(t *testing.T) {
	e := newEnv(t, nil)
	e.signup(t, "k@example.com")
	p := e.login(t, "k@example.com")
	old := e.svc.ActiveKeyID()
	if err := e.svc.RevokeKey(ctx, old, meta); err != nil {
		t.Fatal(err)
	}
	if e.svc.ActiveKeyID() == old {
		t.Fatal("the revoked key still signs")
	}
	if slices.Contains(jwksKIDs(t, e.svc), old) {
		t.Fatal("the revoked key is still published")
	}
	if _, err := e.svc.Authenticate(ctx, p.AccessToken); err == nil {
		t.Fatal("a token signed by the revoked key verifies")
	}
	// Refresh tokens do not depend on signing keys: the session goes on
	// with tokens from the new key.
	q, err := e.svc.Refresh(ctx, p.RefreshToken, meta)
	if err != nil {
		t.Fatal(err)
	}
	e.authn(t, q.AccessToken)
	if len(jwksKIDs(t, e.svc)) != 2 {
		t.Fatal("want the new active key and a new next key")
	}
	// Another instance over the same store refuses the revoked key too.
	svc2 := e.service(t, nil)
	if _, err := svc2.Authenticate(ctx, p.AccessToken); err == nil {
		t.Fatal("a new instance accepts the revoked key")
	}
	wantCode(t, e.svc.RevokeKey(ctx, "no-such-kid", meta), auth.CodeNotFound)
	if err := e.svc.RevokeKey(ctx, old, meta); err != nil {
		t.Fatalf("revoking twice: %v", err)
	}
}

// TestKeysSealedAtRest: the database holds no private key or MAC secret in
// the clear, and a wrong key-encryption key cannot start the service.
func TestKeysSealedAtRest(t *testing.T) {
	e := newEnv(t, nil)
	var recs []*auth.KeyRecord
	var mac []byte
	err := e.db.View(ctx, func(tx auth.ReadTx) error {
		var err error
		if recs, err = tx.Keys(); err != nil {
			return err
		}
		mac, err = tx.Secret("refresh_mac")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if bytes.Contains(r.Private, []byte(`"d"`)) || bytes.Contains(r.Private, []byte("kty")) {
			t.Fatal("private key stored in the clear")
		}
		if bytes.Contains(r.Public, []byte(`"d"`)) {
			t.Fatal("public JWK holds the private part")
		}
	}
	if len(mac) < 32+12+16 {
		t.Fatalf("sealed MAC secret is %d bytes", len(mac))
	}
	// Swapping two sealed keys (kid/alg bound as associated data) fails.
	wrong := bytes.Repeat([]byte{7}, auth.KEKSize)
	if _, err := auth.NewService(ctx, e.db, wrong, auth.Config{Issuer: "https://auth.example.com", Now: e.clock.Now}); err == nil {
		t.Fatal("a wrong key-encryption key started the service")
	}
	if len(recs) >= 2 {
		recs[0].Private, recs[1].Private = recs[1].Private, recs[0].Private
		err := e.db.Update(ctx, func(tx auth.Tx) error {
			for _, r := range recs[:2] {
				if err := tx.PutKey(r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// The swapped records are refused (their MACs no longer match):
		// neither published nor used; the service makes new keys.
		svc, err := auth.NewService(ctx, e.db, testKEK, auth.Config{Issuer: "https://auth.example.com", Now: e.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs[:2] {
			if bytes.Contains(svc.JWKS(), []byte(r.KeyID)) || svc.ActiveKeyID() == r.KeyID {
				t.Fatalf("swapped sealed key %s was accepted", r.KeyID)
			}
		}
	}
}

func TestKEKText(t *testing.T) {
	text := auth.NewKEK()
	if !strings.HasPrefix(text, "WARD-KEK-1:") {
		t.Fatal(text)
	}
	k, err := auth.ParseKEK(" " + text + "\n")
	if err != nil || len(k) != auth.KEKSize {
		t.Fatal(k, err)
	}
	for _, bad := range []string{"", "WARD-KEK-1:", "WARD-KEK-1:AAAA", text[11:], "WARD-KEK-2:" + text[11:]} {
		if _, err := auth.ParseKEK(bad); err == nil {
			t.Errorf("ParseKEK(%q) succeeded", bad)
		}
	}
}

// TestApplyKeyRevocation: an instance that receives a key revocation from
// another (the RevocationBus path) stops accepting the key at once.
func TestApplyKeyRevocation(t *testing.T) {
	e := newEnv(t, nil)
	b := e.service(t, nil)
	c, secret, err := e.svc.AddClient(ctx, auth.ClientSpec{Name: "x"}, meta)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.svc.ClientCredentials(ctx, c.ID, secret, nil, meta)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Authenticate(ctx, p.AccessToken); err != nil {
		t.Fatal(err)
	}
	kid := e.svc.ActiveKeyID()
	if err := e.svc.RevokeKey(ctx, kid, meta); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Authenticate(ctx, p.AccessToken); err != nil {
		t.Fatal("instance b refused before it heard of the revocation: test is wrong")
	}
	now := e.clock.Now()
	if err := b.ApplyRevocations(ctx, []auth.Revocation{{Kind: auth.RevokeKey, Subject: kid, NotBefore: now, Expires: now.Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Authenticate(ctx, p.AccessToken); err == nil {
		t.Fatal("instance b accepts a revoked key after ApplyRevocations")
	}
	if b.ActiveKeyID() == kid {
		t.Fatal("instance b still signs with the revoked key")
	}
}

func TestSigningAlgorithms(t *testing.T) {
	for _, alg := range []string{"ES256", "ES384", "ES512", "EdDSA", "RS256", "PS256"} {
		t.Run(alg, func(t *testing.T) {
			e := newEnv(t, func(c *auth.Config) { c.SigningAlg = jwkAlg(alg) })
			c, secret, err := e.svc.AddClient(ctx, auth.ClientSpec{Name: "x"}, meta)
			if err != nil {
				t.Fatal(err)
			}
			p, err := e.svc.ClientCredentials(ctx, c.ID, secret, nil, meta)
			if err != nil {
				t.Fatal(err)
			}
			e.authn(t, p.AccessToken)
			u, err := jws.UnsafeDecode(p.AccessToken, 0)
			if err != nil || string(u.Header.Algorithm) != alg {
				t.Fatalf("header alg %v, %v", u.Header.Algorithm, err)
			}
		})
	}
	for _, bad := range []string{"HS256", "none", "XX"} {
		_, err := auth.NewService(ctx, mustOpenStore(t), testKEK, auth.Config{Issuer: "https://a.example", SigningAlg: jwkAlg(bad)})
		if err == nil {
			t.Errorf("SigningAlg %s accepted", bad)
		}
	}
}

// TestRotateKeysBy: a requested rotation is audited with the request's
// address, both when it is scheduled and when it promotes the next key at
// once; RotateKeys is the same without metadata.
func TestRotateKeysBy(t *testing.T) {
	const cacheTTL = 5 * time.Minute
	e := newEnv(t, func(c *auth.Config) { c.JWKSCacheTTL = cacheTTL })
	res, err := e.svc.RotateKeysBy(ctx, meta)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rotated {
		t.Fatal("a next key published just now was promoted")
	}
	e.clock.Advance(cacheTTL + auth.KeyPropagation)
	res, err = e.svc.RotateKeysBy(ctx, meta)
	if err != nil || !res.Rotated {
		t.Fatalf("RotateKeysBy after the cache lifetime and KeyPropagation = %+v, %v", res, err)
	}
	evs, err := e.svc.Audit(ctx, auth.AuditQuery{Type: auth.EventKeyRotate})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 {
		t.Fatalf("%d key_rotate events, want 2 (scheduled, promoted): %+v", len(evs), evs)
	}
	for _, ev := range evs {
		if ev.IP != meta.IP || ev.UserAgent != meta.UserAgent || ev.Outcome != auth.OutcomeSuccess {
			t.Errorf("key_rotate event without the request's metadata: %+v", ev)
		}
	}
	if !strings.Contains(evs[1].Detail, "scheduled=") || strings.Contains(evs[0].Detail, "scheduled=") {
		t.Errorf("details: %q, %q", evs[1].Detail, evs[0].Detail)
	}
	// RotateKeys records no request metadata.
	if _, err := e.svc.RotateKeys(ctx); err != nil {
		t.Fatal(err)
	}
	evs, _ = e.svc.Audit(ctx, auth.AuditQuery{Type: auth.EventKeyRotate, Limit: 1})
	if len(evs) != 1 || evs[0].IP != "" {
		t.Errorf("RotateKeys: %+v", evs)
	}
}

// TestRotationAcrossInstances: two instances over one store and one
// clock, with a JWKS cache lifetime (1s) much shorter than KeyPropagation.
// A drives the rotation (it runs MaybeRotateKeys at every step and asks
// for a rotation again after each one), B runs nothing in the background,
// so it reads the keyring only when its lease is over, and it acts before
// A at each step, so that it is the last to hear of every change. At every
// step each instance signs a token and serves its JWKS: every token's kid
// must be in both JWKS, every new key must have been in both JWKS for at
// least the cache lifetime before its first token, and B signs with a key
// A retired for less than KeyPropagation.
func TestRotationAcrossInstances(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testRotationAcrossInstances(t, mustOpenStore(t)) })
	t.Run("postgres", func(t *testing.T) { testRotationAcrossInstances(t, pgtest.MustOpen(t)) })
}

func testRotationAcrossInstances(t *testing.T, store auth.Store) {
	const cacheTTL, step = time.Second, 250 * time.Millisecond
	clock := authtest.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	instance := func() *auth.Service {
		svc, err := auth.NewService(ctx, store, testKEK, auth.Config{Issuer: "https://auth.example.com", Now: clock.Now,
			JWKSCacheTTL: cacheTTL, Limits: auth.Limits{Off: true}})
		if err != nil {
			t.Fatal(err)
		}
		return svc
	}
	a, b := instance(), instance()
	client, secret, err := a.AddClient(ctx, auth.ClientSpec{Name: "rotation"}, meta)
	if err != nil {
		t.Fatal(err)
	}
	request := func() {
		t.Helper()
		res, err := a.RotateKeys(ctx)
		if err != nil || res.Rotated {
			t.Fatalf("RotateKeys = %+v, %v", res, err)
		}
		if want := clock.Now().Add(cacheTTL + auth.KeyPropagation); res.ActivateAt.Before(want) {
			t.Fatalf("promotion scheduled at %v, before %v", res.ActivateAt, want)
		}
	}
	first := a.ActiveKeyID()
	request()
	published := map[string]time.Time{} // "instance kid" → first step at which its JWKS held kid
	firstSigned := map[string]time.Time{}
	retired := map[string]time.Time{} // kid → step at which a replaced it
	rotations, lagged := 0, 0
	for range int(40 * time.Second / step) {
		clock.Advance(step)
		now := clock.Now()
		var kids []string // signed at this step
		for _, svc := range []*auth.Service{b, a} {
			if svc == a {
				prev := a.ActiveKeyID()
				rotated, err := a.MaybeRotateKeys(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if rotated {
					rotations++
					retired[prev] = now
					request()
				}
			}
			p, err := svc.ClientCredentials(ctx, client.ID, secret, nil, meta)
			if err != nil {
				t.Fatal(err)
			}
			kid := tokenKID(t, p.AccessToken)
			kids = append(kids, kid)
			if _, ok := firstSigned[kid]; !ok {
				firstSigned[kid] = now
			}
			if r, ok := retired[kid]; ok {
				if lag := now.Sub(r); lag >= auth.KeyPropagation {
					t.Fatalf("at %v an instance signs with a key retired %v ago", now, lag)
				}
				lagged++
			}
		}
		for name, svc := range map[string]*auth.Service{"a": a, "b": b} {
			jwks := jwksKIDs(t, svc)
			for _, k := range jwks {
				if _, ok := published[name+" "+k]; !ok {
					published[name+" "+k] = now
				}
			}
			for _, kid := range kids {
				if !slices.Contains(jwks, kid) {
					t.Fatalf("at %v a token signed by %s does not verify with the JWKS of instance %s %v", now, kid, name, jwks)
				}
			}
		}
	}
	if rotations < 4 || lagged == 0 {
		t.Fatalf("%d rotations in 40s, %d tokens signed with a retired key: the test does not exercise what it should", rotations, lagged)
	}
	for kid, signed := range firstSigned {
		for _, name := range []string{"a", "b"} {
			if pub := published[name+" "+kid]; kid != first && signed.Sub(pub) < cacheTTL {
				t.Errorf("key %s signed %v after instance %s published it, want at least %v", kid, signed.Sub(pub), name, cacheTTL)
			}
		}
	}
}

// keysDownStore is a store whose reads of the keyring fail while down is
// set, as for an instance cut off from its database between two requests.
type keysDownStore struct {
	auth.Store
	down atomic.Bool
}

func (s *keysDownStore) View(ctx context.Context, fn func(tx auth.ReadTx) error) error {
	return s.Store.View(ctx, func(tx auth.ReadTx) error { return fn(keysDownTx{tx, s}) })
}

func (s *keysDownStore) Update(ctx context.Context, fn func(tx auth.Tx) error) error {
	return s.Store.Update(ctx, func(tx auth.Tx) error { return fn(keysDownWriteTx{tx, s}) })
}

type keysDownTx struct {
	auth.ReadTx
	s *keysDownStore
}

func (t keysDownTx) Keys() ([]*auth.KeyRecord, error) { return t.s.keys(t.ReadTx) }

type keysDownWriteTx struct {
	auth.Tx
	s *keysDownStore
}

func (t keysDownWriteTx) Keys() ([]*auth.KeyRecord, error) { return t.s.keys(t.Tx) }

func (s *keysDownStore) keys(tx auth.ReadTx) ([]*auth.KeyRecord, error) {
	if s.down.Load() {
		return nil, errors.New("test: the store is down")
	}
	return tx.Keys()
}

// TestKeyLease: an instance signs only with a keyring it read less than
// KeyPropagation ago, reading it again when needed; if it cannot, it
// signs nothing (CodeUnavailable) but still verifies and publishes what it
// has, and signs again once the store answers.
func TestKeyLease(t *testing.T) {
	store := &keysDownStore{Store: mustOpenStore(t)}
	clock := authtest.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	svc, err := auth.NewService(ctx, store, testKEK, auth.Config{Issuer: "https://auth.example.com", Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	client, secret, err := svc.AddClient(ctx, auth.ClientSpec{Name: "lease"}, meta)
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.ClientCredentials(ctx, client.ID, secret, nil, meta)
	if err != nil {
		t.Fatal(err)
	}
	store.down.Store(true)
	clock.Advance(auth.KeyPropagation - time.Millisecond)
	if _, err := svc.ClientCredentials(ctx, client.ID, secret, nil, meta); err != nil {
		t.Fatalf("signing within the lease: %v", err)
	}
	clock.Advance(time.Millisecond)
	_, err = svc.ClientCredentials(ctx, client.ID, secret, nil, meta)
	wantCode(t, err, auth.CodeUnavailable)
	if _, err := svc.Authenticate(ctx, p.AccessToken); err != nil {
		t.Fatalf("verifying with an expired lease: %v", err)
	}
	if kids := jwksKIDs(t, svc); len(kids) != 2 {
		t.Fatalf("JWKS with an expired lease: %v", kids)
	}
	store.down.Store(false)
	_, err = svc.ClientCredentials(ctx, client.ID, secret, nil, meta)
	wantCode(t, err, auth.CodeUnavailable) // within the backoff after a failed read
	clock.Advance(time.Second)
	if _, err := svc.ClientCredentials(ctx, client.ID, secret, nil, meta); err != nil {
		t.Fatalf("signing once the store answers: %v", err)
	}
}
