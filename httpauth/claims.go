package httpauth

import (
	"context"
	"slices"
	"strings"

	"github.com/wardauth/ward/jose/jwt"
)

// Claims are the claims of a Ward access token ([RFC 9068, Section 2.2]).
// The Claims a request context holds are shared (the verified-token cache
// hands the same value to every request with the same token): read them,
// never modify them.
//
// [RFC 9068, Section 2.2]: https://www.rfc-editor.org/rfc/rfc9068#section-2.2
type Claims struct {
	jwt.Claims
	// SessionID is "sid": the auth server's session the token belongs to,
	// empty for a client_credentials token.
	SessionID string `json:"sid,omitempty"`
	// ClientID is "client_id": the OAuth client the token was issued to.
	ClientID string `json:"client_id"`
	// Scope is "scope": space-separated scopes.
	Scope string `json:"scope,omitempty"`
	// Roles is "roles": the user's roles.
	Roles []string `json:"roles,omitempty"`
}

// HasScope reports whether the space-separated "scope" of c contains s.
// Scopes compare case-sensitively ([RFC 6749, Section 3.3]).
//
// [RFC 6749, Section 3.3]: https://www.rfc-editor.org/rfc/rfc6749#section-3.3
func (c *Claims) HasScope(s string) bool {
	if s == "" {
		return false
	}
	rest := c.Scope
	for rest != "" {
		var tok string
		tok, rest, _ = strings.Cut(rest, " ")
		if tok == s {
			return true
		}
	}
	return false
}

// HasRole reports whether c carries role r.
func (c *Claims) HasRole(r string) bool {
	return r != "" && slices.Contains(c.Roles, r)
}

type ctxKey struct{}

// authInfo is what [Authenticator.Middleware] puts in the context: the
// claims, and the authenticator whose error writer [RequireScope] and
// [RequireRole] answer with.
type authInfo struct {
	claims *Claims
	a      *Authenticator
}

// ClaimsFrom returns the claims that [Authenticator.Middleware] stored in
// ctx, and false if there are none (the request did not pass through the
// middleware).
func ClaimsFrom(ctx context.Context) (*Claims, bool) {
	ai, ok := ctx.Value(ctxKey{}).(*authInfo)
	if !ok || ai.claims == nil {
		return nil, false
	}
	return ai.claims, true
}

func infoFrom(ctx context.Context) *authInfo {
	ai, _ := ctx.Value(ctxKey{}).(*authInfo)
	return ai
}
