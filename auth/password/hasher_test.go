package password_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/wardauth/ward/auth/password"
)

var ctx = context.Background()

const pw = "correct horse battery staple"

// work counts the argon2id work a Hasher does, through Options.OnHash.
type work struct {
	mu     sync.Mutex
	blocks uint64
	params []password.Params
}

func (w *work) add(p password.Params) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.blocks += p.Work()
	w.params = append(w.params, p)
}

func (w *work) take() (uint64, []password.Params) {
	w.mu.Lock()
	defer w.mu.Unlock()
	b, p := w.blocks, w.params
	w.blocks, w.params = 0, nil
	return b, p
}

func newHasher(t *testing.T, p password.Params, w *work) *password.Hasher {
	t.Helper()
	opts := password.Options{MaxConcurrent: 1}
	if w != nil {
		opts.OnHash = w.add
	}
	h, err := password.New(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestVerifyEqualWork: every failed verification does the work of one
// hash under the current parameters, whatever the stored hash: none (an
// unknown user), malformed, under the current parameters, or under
// cheaper ones (memory or passes raised since it was written).
func TestVerifyEqualWork(t *testing.T) {
	current := password.Params{Memory: 24 * 1024, Time: 3, Threads: 1}
	var w work
	h := newHasher(t, current, &w)
	hashUnder := func(p password.Params) string {
		s, err := newHasher(t, p, nil).Hash(ctx, pw)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	stored := map[string]string{
		"unknown user":                "",
		"malformed hash":              "$argon2id$v=19$m=1,t=1,p=1$AAAA$AAAA",
		"current parameters":          hashUnder(current),
		"fewer passes (t=2)":          hashUnder(password.Params{Memory: 24 * 1024, Time: 2, Threads: 1}),
		"less memory (m=19 MiB)":      hashUnder(password.Params{Memory: 19 * 1024, Time: 3, Threads: 1}),
		"the minimum (m=19 MiB, t=2)": hashUnder(password.MinParams),
	}
	want := current.Work()
	for name, hash := range stored {
		ok, _, err := h.Verify(ctx, "wrong password 123", hash)
		if ok || (err != nil && !errors.Is(err, password.ErrMalformed)) {
			t.Fatalf("%s: Verify = %v, %v", name, ok, err)
		}
		got, params := w.take()
		if got != want {
			t.Errorf("%s: a wrong password cost %d blocks (%v), want %d (one hash at %v)", name, got, params, want, current)
		}
		if hash == "" || strings.HasPrefix(hash, "$argon2id$v=19$m=1,") {
			continue
		}
		// The right password matches and asks for a rehash under other
		// parameters.
		ok, rehash, err := h.Verify(ctx, pw, hash)
		if !ok || err != nil || rehash != (hash != stored["current parameters"]) {
			t.Errorf("%s: right password: Verify = %v, %v, %v", name, ok, rehash, err)
		}
		w.take()
	}
	// A hash costlier than the current parameters costs its own work.
	costly := hashUnder(password.Params{Memory: 24 * 1024, Time: 4, Threads: 1})
	h.Verify(ctx, "wrong password 123", costly)
	if got, _ := w.take(); got != 24*1024*4 {
		t.Errorf("costlier hash: %d blocks", got)
	}
}

func TestHashAndVerify(t *testing.T) {
	h := newHasher(t, password.Params{}, nil)
	if h.Params() != password.MinParams {
		t.Fatalf("Params = %v, want the minimum", h.Params())
	}
	s, err := h.Hash(ctx, pw)
	if err != nil || !strings.HasPrefix(s, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("Hash = %q, %v", s, err)
	}
	if ok, rehash, err := h.Verify(ctx, pw, s); !ok || rehash || err != nil {
		t.Fatalf("Verify = %v %v %v", ok, rehash, err)
	}
	// Change one character of the digest itself (not the last, whose low
	// bits are padding, and never to the character already there: the
	// digest ends in "A" one time in sixteen).
	i := len(s) - 5
	c := byte('A')
	if s[i] == c {
		c = 'B'
	}
	tampered := s[:i] + string(c) + s[i+1:]
	if ok, _, err := h.Verify(ctx, pw, tampered); ok || !errors.Is(err, password.ErrMalformed) && err != nil {
		t.Fatalf("tampered hash: %v %v", ok, err)
	}
	if ok, _, err := h.Verify(ctx, pw, "not a hash"); ok || !errors.Is(err, password.ErrMalformed) {
		t.Fatalf("malformed hash: %v %v", ok, err)
	}
}

func TestWork(t *testing.T) {
	for _, tc := range []struct {
		p    password.Params
		want uint64
	}{
		{password.MinParams, 19456 * 2}, // RFC 9106, Section 3.2: m' = 4p·floor(m/4p)
		{password.Params{Memory: 19457, Time: 2, Threads: 1}, 19456 * 2},
		{password.Params{Memory: 10, Time: 1, Threads: 2}, 16}, // at least 2 blocks per segment
		{password.Params{Memory: 65536, Time: 3, Threads: 4}, 65536 * 3},
	} {
		if got := tc.p.Work(); got != tc.want {
			t.Errorf("%v.Work() = %d, want %d", tc.p, got, tc.want)
		}
	}
}
