package redis_test

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/authtest"
	"github.com/wardauth/ward/auth/redis"
	"github.com/wardauth/ward/jose/jwt"
)

// TestMessage: a message decodes as it was encoded under the same key;
// under another key, altered, or malformed it is refused.
func TestMessage(t *testing.T) {
	exp := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	m := &redis.Message{Origin: "a", KeysChanged: true, Revocations: []redis.Revocation{
		{Kind: auth.RevokeSession, Subject: "s1", NotBefore: exp.Add(-time.Hour), Expires: exp},
	}}
	b, err := redis.EncodeMessage(m, busKey)
	if err != nil {
		t.Fatal(err)
	}
	got, err := redis.DecodeMessage(b, busKey)
	if err != nil || got.Origin != "a" || !got.KeysChanged || len(got.Revocations) != 1 || got.Revocations[0] != m.Revocations[0] {
		t.Fatalf("DecodeMessage = %+v, %v", got, err)
	}
	other := redis.BusKey(bytes.Repeat([]byte{1}, auth.KEKSize))
	altered := bytes.Clone(b)
	altered[len(altered)-3] ^= 1
	for name, tc := range map[string]struct{ msg, key []byte }{
		"other key": {b, other},
		"altered":   {altered, busKey},
		"short":     {b[:10], busKey},
		"version":   {append([]byte{9}, b[1:]...), busKey},
		"too large": {make([]byte, redis.MaxMessageSize+1), busKey},
	} {
		if _, err := redis.DecodeMessage(tc.msg, tc.key); !errors.Is(err, redis.ErrBadMessage) {
			t.Errorf("%s: %v, want ErrBadMessage", name, err)
		}
	}
	for name, bad := range map[string]*redis.Message{
		"kind":    {Revocations: []redis.Revocation{{Kind: "everything", Subject: "x"}}},
		"subject": {Revocations: []redis.Revocation{{Kind: auth.RevokeToken}}},
		"long":    {Revocations: []redis.Revocation{{Kind: auth.RevokeToken, Subject: strings.Repeat("x", redis.MaxSubjectLen+1)}}},
		"many":    {Revocations: make([]redis.Revocation, redis.MaxRevocationsPerMessage+1)},
	} {
		b, err := redis.EncodeMessage(bad, busKey)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := redis.DecodeMessage(b, busKey); !errors.Is(err, redis.ErrBadMessage) {
			t.Errorf("%s: %v, want ErrBadMessage", name, err)
		}
	}
}

// FuzzDecodeMessage: a message that decodes encodes to one that decodes
// to the same value; no input panics.
func FuzzDecodeMessage(f *testing.F) {
	for _, m := range []*redis.Message{
		{Origin: "a", KeysChanged: true},
		{Origin: "b", Revocations: []redis.Revocation{{Kind: auth.RevokeUser, Subject: "u", NotBefore: time.Unix(1, 0).UTC(), Expires: time.Unix(2, 0).UTC()}}},
	} {
		b, err := redis.EncodeMessage(m, busKey)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := redis.DecodeMessage(b, busKey)
		if err != nil {
			if m != nil {
				t.Fatal("a refused message returned a value")
			}
			return
		}
		again, err := redis.EncodeMessage(m, busKey)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := redis.DecodeMessage(again, busKey)
		if err != nil || m2.Origin != m.Origin || m2.KeysChanged != m.KeysChanged || len(m2.Revocations) != len(m.Revocations) {
			t.Fatalf("re-encoded %+v decodes as %+v, %v", m, m2, err)
		}
	})
}

// login signs a user up on a and logs in, returning the tokens.
func login(t *testing.T, a *instance, email string) *auth.TokenPair {
	t.Helper()
	if _, err := a.svc.Signup(ctx, email, goodPassword, meta); err != nil {
		t.Fatal(err)
	}
	tp, err := a.svc.Login(ctx, email, goodPassword, meta)
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

func revoked(in *instance, token string) bool {
	_, err := in.svc.Authenticate(ctx, token)
	return errors.Is(err, jwt.ErrRevoked) || auth.IsCode(err, auth.CodeUnauthorized)
}

// TestFanOut: two services on one store, each with its own Redis client
// and no periodic sync at all: a logout on one is refused by the other as
// soon as the message arrives (the poll ends well within any sync
// interval, which here is infinite); a signing key revoked on one stops
// verifying on the other; a key made by a rotation on one is published in
// the other's JWKS.
func TestFanOut(t *testing.T) {
	_, a, b := twoInstances(t, nil)

	tp := login(t, a, "ada@example.com")
	claims, err := b.svc.Authenticate(ctx, tp.AccessToken)
	if err != nil {
		t.Fatalf("b refuses a's token: %v", err)
	}
	if err := a.svc.Logout(ctx, claims, auth.LogoutSession, meta); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "b still accepts the token a logged out", func() bool { return revoked(b, tp.AccessToken) })

	// Key changes: a rotation on a makes a next key, which b publishes.
	tp2 := login(t, a, "bob@example.com")
	res, err := a.svc.RotateKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "b does not publish a's next key", func() bool {
		return bytes.Contains(b.svc.JWKS(), []byte(res.NextKeyID))
	})
	// A revoked signing key: b stops accepting what it signed.
	if _, err := b.svc.Authenticate(ctx, tp2.AccessToken); err != nil {
		t.Fatal(err)
	}
	if err := a.svc.RevokeKey(ctx, res.ActiveKeyID, meta); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "b still accepts a token of a revoked key", func() bool {
		_, err := b.svc.Authenticate(ctx, tp2.AccessToken)
		return err != nil
	})
	if b.svc.ActiveKeyID() == res.ActiveKeyID {
		t.Fatal("b still signs with the revoked key")
	}
	if d := b.svc.Degraded(); d != nil {
		t.Fatalf("Degraded: %+v", d)
	}
}

// TestForgedMessage: a message not authenticated under the bus key (a
// client of Redis without the key-encryption key) revokes nothing.
func TestForgedMessage(t *testing.T) {
	url := authtest.RedisURL(t)
	prefix := testPrefix(t, url)
	cl := newCluster(t)
	a := cl.start(t, url, prefix, 0, nil)
	forger, err := openClient(t, url, prefix).Bus(redis.BusKey(bytes.Repeat([]byte{7}, auth.KEKSize)))
	if err != nil {
		t.Fatal(err)
	}
	tp := login(t, a, "ada@example.com")
	claims, err := a.svc.Authenticate(ctx, tp.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	far := time.Now().Add(time.Hour)
	if err := forger.Publish(ctx, []auth.Revocation{{Kind: auth.RevokeSession, Subject: claims.SessionID, Expires: far}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the forged message was not dropped", func() bool {
		return strings.Contains(cl.logs.String(), "dropping a bus message")
	})
	if _, err := a.svc.Authenticate(ctx, tp.AccessToken); err != nil {
		t.Fatalf("a forged message revoked a session: %v", err)
	}
}

// subscribe runs bus.Subscribe with h until the test ends, and waits for
// the subscription.
func subscribe(t testing.TB, bus *redis.Bus, h auth.BusHandler) {
	t.Helper()
	subCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); bus.Subscribe(subCtx, h) }()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, 5*time.Second, "no subscription", bus.Subscribed)
}

// TestPublishSplits: a batch larger than MaxRevocationsPerMessage goes out
// in several messages, and every revocation arrives.
func TestPublishSplits(t *testing.T) {
	url := authtest.RedisURL(t)
	prefix := testPrefix(t, url)
	pub, err := openClient(t, url, prefix).Bus(busKey)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := openClient(t, url, prefix).Bus(busKey)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	got, messages := map[string]bool{}, 0
	subscribe(t, sub, auth.BusHandler{
		Revoked: func(revs []auth.Revocation) {
			mu.Lock()
			defer mu.Unlock()
			messages++
			for _, r := range revs {
				got[r.Subject] = true
			}
		},
		KeysChanged: func() {}, Resumed: func() {},
	})
	const n = 2*redis.MaxRevocationsPerMessage + 7
	revs := make([]auth.Revocation, n)
	for i := range revs {
		revs[i] = auth.Revocation{Kind: auth.RevokeToken, Subject: "jti-" + strconv.Itoa(i), Expires: time.Now().Add(time.Hour)}
	}
	if err := pub.Publish(ctx, revs); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "not every revocation arrived", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == n
	})
	if messages != 3 {
		t.Errorf("%d messages, want 3", messages)
	}
}

// TestStartDegraded: a client of a Redis that does not answer at Open
// starts in its fallback, and leaves it when Redis answers.
func TestStartDegraded(t *testing.T) {
	url := authtest.RedisURL(t)
	proxied, proxy := viaProxy(t, url)
	proxy.Stop()
	c := openClient(t, proxied, testPrefix(t, url))
	if c.Degraded() == nil {
		t.Fatal("not degraded with Redis unreachable")
	}
	proxy.Start()
	waitFor(t, 5*time.Second, "still degraded with Redis back", func() bool { return c.Degraded() == nil })
}
