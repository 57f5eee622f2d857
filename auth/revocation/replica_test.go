package revocation_test

import (
	"errors"
	"testing"
	"time"

	"github.com/wardauth/ward/auth/revocation"
	"github.com/wardauth/ward/jose/jwt"
)

func TestReplicaCheck(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 400_000_000, time.UTC) // revocation instant, mid-second
	r := revocation.NewReplica()
	r.Add(
		revocation.Revocation{Kind: revocation.Token, Subject: "jti-1", Expires: t0.Add(time.Hour)},
		revocation.Revocation{Kind: revocation.Session, Subject: "sess-1", NotBefore: t0, Expires: t0.Add(time.Hour)},
		revocation.Revocation{Kind: revocation.User, Subject: "user-1", NotBefore: t0, Expires: t0.Add(time.Hour)},
		revocation.Revocation{Kind: revocation.Key, Subject: "kid-1", Expires: t0.Add(time.Hour)},
	)
	sec := func(d time.Duration) time.Time { return t0.Add(d).Truncate(time.Second) } // "iat" has whole seconds
	for _, tc := range []struct {
		name     string
		c        jwt.Claims
		sid, kid string
		revoked  bool
	}{
		{"jti", jwt.Claims{ID: "jti-1", Subject: "x", IssuedAt: sec(time.Minute)}, "", "", true},
		{"other jti", jwt.Claims{ID: "jti-2", Subject: "x", IssuedAt: sec(-time.Minute)}, "", "", false},
		{"session, issued before", jwt.Claims{ID: "a", IssuedAt: sec(-time.Minute)}, "sess-1", "", true},
		{"session, issued earlier in the same second", jwt.Claims{ID: "a", IssuedAt: sec(-300 * time.Millisecond)}, "sess-1", "", true},
		{"session, issued the next second", jwt.Claims{ID: "a", IssuedAt: sec(time.Second)}, "sess-1", "", true}, // every token of the session
		{"session, no iat", jwt.Claims{ID: "a"}, "sess-1", "", true},
		{"other session", jwt.Claims{ID: "a", IssuedAt: sec(-time.Minute)}, "sess-2", "", false},
		{"user, no session, issued before", jwt.Claims{ID: "a", Subject: "user-1", IssuedAt: sec(-time.Hour)}, "", "", true},
		{"user, no session, issued in the same second", jwt.Claims{ID: "a", Subject: "user-1", IssuedAt: sec(0)}, "", "", true},
		{"user, no session, issued the next second", jwt.Claims{ID: "a", Subject: "user-1", IssuedAt: sec(time.Second)}, "", "", false},
		{"user, with a session not revoked", jwt.Claims{ID: "a", Subject: "user-1", IssuedAt: sec(-time.Hour)}, "sess-2", "", false}, // its session decides
		{"key", jwt.Claims{ID: "a", IssuedAt: sec(time.Hour)}, "", "kid-1", true},
	} {
		err := r.Check(&tc.c, tc.sid, tc.kid)
		if got := err != nil; got != tc.revoked {
			t.Errorf("%s: Check = %v, want revoked %v", tc.name, err, tc.revoked)
		}
		if err != nil && !errors.Is(err, jwt.ErrRevoked) {
			t.Errorf("%s: %v does not wrap jwt.ErrRevoked", tc.name, err)
		}
	}
	if r.Len() != 4 {
		t.Fatalf("Len = %d", r.Len())
	}
	r.Prune(t0.Add(2 * time.Hour))
	if r.Len() != 0 {
		t.Fatalf("Len after Prune = %d", r.Len())
	}
}

// TestReplicaLoadAdvance: Load keeps what the replica holds and sets the
// mark (even lower: a restored store); Advance only raises it; both record
// the load time and drop nothing Prune would not.
func TestReplicaLoadAdvance(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	r := revocation.NewReplica()
	if !r.LoadedAt().IsZero() || r.Seq() != 0 {
		t.Fatal("a new replica is loaded")
	}
	r.Add(revocation.Revocation{Kind: revocation.Token, Subject: "local", Expires: t0.Add(time.Hour)})
	r.Load([]revocation.Revocation{
		{Kind: revocation.Session, Subject: "s", Expires: t0.Add(time.Hour), Seq: 4},
		{Kind: revocation.Token, Subject: "old", Expires: t0.Add(-time.Second), Seq: 5},
	}, 9, t0)
	if r.Len() != 2 || r.Seq() != 9 || !r.LoadedAt().Equal(t0) {
		t.Fatalf("after Load: %d entries, seq %d, loaded %v", r.Len(), r.Seq(), r.LoadedAt())
	}
	if err := r.Check(&jwt.Claims{ID: "local"}, "", ""); err == nil {
		t.Fatal("Load dropped an entry added before")
	}
	r.Advance([]revocation.Revocation{{Kind: revocation.Key, Subject: "k", Expires: t0.Add(time.Hour), Seq: 10}}, 10, t0.Add(time.Second))
	r.Advance(nil, 7, t0) // older: the mark and the load time stay
	if r.Seq() != 10 || !r.LoadedAt().Equal(t0.Add(time.Second)) || !r.KeyRevoked("k") {
		t.Fatalf("after Advance: seq %d, loaded %v", r.Seq(), r.LoadedAt())
	}
	r.Load(nil, 3, t0.Add(2*time.Second)) // a restored store: the mark goes back
	if r.Seq() != 3 || r.Len() != 3 {
		t.Fatalf("after a Load at a lower mark: seq %d, %d entries", r.Seq(), r.Len())
	}
}

// TestReplicaChanged: every change, and Notify, closes the channel taken
// before it, once; a channel taken after it stays open.
func TestReplicaChanged(t *testing.T) {
	r := revocation.NewReplica()
	for name, change := range map[string]func(){
		"Add":     func() { r.Add(revocation.Revocation{Kind: revocation.Token, Subject: "a"}) },
		"Load":    func() { r.Load(nil, 1, time.Now()) },
		"Advance": func() { r.Advance(nil, 2, time.Now()) },
		"Notify":  r.Notify,
	} {
		c := r.Changed()
		change()
		select {
		case <-c:
		default:
			t.Fatalf("%s did not close the channel", name)
		}
		select {
		case <-r.Changed():
			t.Fatalf("the channel after %s is closed", name)
		default:
		}
	}
}
