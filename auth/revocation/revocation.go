// Package revocation is Ward's in-memory revocation replica: what is
// revoked and not yet expired (one access token, one session, one user,
// one signing key), checked against a verified token with no network
// round trip, and the JSON form in which the auth server's revocation
// feed carries it (DESIGN §3).
//
// It imports only jose/jwt and the standard library, so that a resource
// server (package httpauth) keeps a replica without the auth service.
// The auth service fills its [Replica] from its store; a resource server
// fills one from the feed (httpauth.Feed).
package revocation

import "time"

// Revocation kinds.
const (
	// Token revokes one access token: Subject is its "jti".
	Token = "token"
	// Session revokes every token of one session, whatever its "iat" (an
	// ended session issues no more): Subject is the session ID ("sid").
	// NotBefore records when the session ended.
	Session = "session"
	// User revokes the tokens of one user: Subject is the user ID
	// ("sub"), or a client's ID for the tokens of a disabled, deleted or
	// re-keyed client. A user's must be stored together with the end of
	// every session of the user (Session), which revokes the tokens that
	// name a session; it refuses tokens without a session issued before
	// NotBefore. See [Replica.Check].
	User = "user"
	// Key revokes every token signed by one key: Subject is its "kid".
	Key = "key"
)

// validKind reports whether kind is one of the kinds above.
func validKind(kind string) bool {
	return kind == Token || kind == Session || kind == User || kind == Key
}

// Revocation is one durable revocation. It is kept until Expires, when no
// token it revokes can still be valid.
type Revocation struct {
	Kind    string // one of the kinds: Token, Session, User, Key
	Subject string
	// NotBefore: for User, tokens without a session issued ("iat") before
	// it are revoked (see [Replica.Check]). For Token, Session and Key
	// every token matching Subject is revoked.
	NotBefore time.Time
	Expires   time.Time
	CreatedAt time.Time
	// Seq is the store's change sequence number of the revocation: set by
	// the store when it is read back, and carried by the feed as its event
	// id; zero elsewhere.
	Seq int64
}

// EndOfSecond returns the start of the second after the one t is in: the
// first "iat" that is certainly later than t.
func EndOfSecond(t time.Time) time.Time { return t.Truncate(time.Second).Add(time.Second) }

// issuedBefore reports whether a token with "iat" iat (whole seconds; zero
// if absent) may have been issued at or before nb: in nb's second or
// earlier.
func issuedBefore(iat, nb time.Time) bool {
	return iat.IsZero() || iat.Before(EndOfSecond(nb))
}
