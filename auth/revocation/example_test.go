package revocation_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/wardauth/ward/auth/revocation"
	"github.com/wardauth/ward/jose/jwt"
)

// A replica refuses the tokens of an ended session, and nothing else.
func ExampleReplica_Check() {
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	r := revocation.NewReplica()
	r.Load([]revocation.Revocation{
		{Kind: revocation.Session, Subject: "sess-1", NotBefore: now, Expires: now.Add(time.Hour), Seq: 7},
	}, 7, now)

	c := &jwt.Claims{ID: "jti-1", Subject: "user-1", IssuedAt: now.Add(-time.Minute)}
	fmt.Println(errors.Is(r.Check(c, "sess-1", "kid-1"), jwt.ErrRevoked))
	fmt.Println(r.Check(c, "sess-2", "kid-1"))
	// Output:
	// true
	// <nil>
}

// The feed's JSON form of a revocation, and a malformed one.
func ExampleParseJSON() {
	v, err := revocation.ParseJSON([]byte(`{"kind":"token","sub":"jti-1","nbf":1777626000,"exp":1777626600,"seq":42}`))
	fmt.Println(v.Kind, v.Subject, v.Expires.UTC().Format(time.RFC3339), v.Seq, err)

	_, err = revocation.ParseJSON([]byte(`{"kind":"token","sub":"jti-1"}`))
	fmt.Println(errors.Is(err, revocation.ErrMalformed))
	// Output:
	// token jti-1 2026-05-01T09:10:00Z 42 <nil>
	// true
}
