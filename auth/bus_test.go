package auth_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/limit"
)

// hub is an in-process bus between services, which can lose messages
// (drop) as a disconnected Redis does, and tell subscribers they resumed.
type hub struct {
	mu   sync.Mutex
	subs map[*hubBus]auth.BusHandler
	drop bool
}

type hubBus struct {
	h    *hub
	down error
}

func (h *hub) bus() *hubBus { return &hubBus{h: h} }

func (b *hubBus) send(deliver func(auth.BusHandler)) {
	b.h.mu.Lock()
	defer b.h.mu.Unlock()
	if b.h.drop {
		return
	}
	for s, handler := range b.h.subs {
		if s != b {
			deliver(handler)
		}
	}
}

func (b *hubBus) Publish(_ context.Context, revs []auth.Revocation) error {
	b.send(func(h auth.BusHandler) { h.Revoked(revs) })
	return nil
}

func (b *hubBus) PublishKeysChanged(context.Context) error {
	b.send(func(h auth.BusHandler) { h.KeysChanged() })
	return nil
}

func (b *hubBus) Subscribe(ctx context.Context, h auth.BusHandler) error {
	b.h.mu.Lock()
	if b.h.subs == nil {
		b.h.subs = make(map[*hubBus]auth.BusHandler)
	}
	b.h.subs[b] = h
	b.h.mu.Unlock()
	h.Resumed()
	<-ctx.Done()
	b.h.mu.Lock()
	delete(b.h.subs, b)
	b.h.mu.Unlock()
	return ctx.Err()
}

func (b *hubBus) Degraded() error { return b.down }

// resume tells every subscriber it resubscribed, as after a reconnection.
func (h *hub) resume() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, handler := range h.subs {
		handler.Resumed()
	}
}

func (h *hub) subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

func poll(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	end := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(end) {
			tb.Fatalf("after 5s: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestFollow: a service following a bus applies another's revocations as
// they are published, loads another's key changes, and, when a message was
// lost, syncs with the store when the bus resumes; without a subscriber
// bus Follow returns at once.
func TestFollow(t *testing.T) {
	h := &hub{}
	e := newEnv(t, func(c *auth.Config) { c.RevocationBus = h.bus() })
	b := e.service(t, func(c *auth.Config) { c.RevocationBus = h.bus() })
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); b.Follow(ctx) }()
	defer func() { cancel(); <-done }()
	poll(t, "b did not subscribe", func() bool { return h.subscribers() == 1 })

	e.signup(t, "ada@example.com")
	refused := func(tok string) func() bool {
		return func() bool { _, err := b.Authenticate(ctx, tok); return err != nil }
	}
	tp := e.login(t, "ada@example.com")
	e.svc.Logout(ctx, e.authn(t, tp.AccessToken), auth.LogoutSession, meta)
	poll(t, "b accepts a token logged out on a", refused(tp.AccessToken))

	res, err := e.svc.RotateKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	poll(t, "b does not publish a's next key", func() bool { return bytes.Contains(b.JWKS(), []byte(res.NextKeyID)) })

	h.mu.Lock()
	h.drop = true
	h.mu.Unlock()
	tp = e.login(t, "ada@example.com")
	e.svc.Logout(ctx, e.authn(t, tp.AccessToken), auth.LogoutSession, meta)
	h.mu.Lock()
	h.drop = false
	h.mu.Unlock()
	h.resume()
	poll(t, "b did not sync when the bus resumed", refused(tp.AccessToken))

	plain := e.service(t, nil)
	plain.Follow(ctx) // NopRevocationBus: returns at once
}

// degradedLimiter is a limiter whose shared backend is down.
type degradedLimiter struct{ *limit.Memory }

func (degradedLimiter) Degraded() error { return errors.New("backend down") }

// TestDegraded: Degraded lists the parts whose Degrader says they are in
// their fallback, and nothing otherwise.
func TestDegraded(t *testing.T) {
	e := newEnv(t, nil)
	if d := e.svc.Degraded(); d != nil {
		t.Fatalf("defaults: %+v", d)
	}
	bus := (&hub{}).bus()
	bus.down = errors.New("redis down")
	svc := e.service(t, func(c *auth.Config) {
		c.RevocationBus = bus
		c.Limiter = degradedLimiter{limit.NewMemory(limit.MemoryOptions{})}
	})
	d := svc.Degraded()
	if len(d) != 2 || d[0].Part != auth.PartRevocationBus || d[0].Err != bus.down || d[1].Part != auth.PartLimiter {
		t.Fatalf("Degraded = %+v", d)
	}
}
