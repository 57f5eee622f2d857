package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/httpauth"
	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jwt"
)

// realm is the protection space named in Bearer challenges.
const realm = "ward"

// invalidTokenMessage is the one description of a refused access token:
// it says nothing of why, so it helps no attacker ([RFC 6750, Section
// 5.2]).
//
// [RFC 6750, Section 5.2]: https://www.rfc-editor.org/rfc/rfc6750#section-5.2
const invalidTokenMessage = "The access token is invalid, expired or revoked."

const claimsKey ctxKey = 1

// claimsFrom returns the verified access token claims that requireUser
// stored in ctx.
func claimsFrom(ctx context.Context) *auth.AccessClaims {
	c, _ := ctx.Value(claimsKey).(*auth.AccessClaims)
	return c
}

// serviceKeys is the [httpauth.KeySource] of the service's own keyring:
// the published keys, which change only when the keyring does (there is
// nothing to fetch on an unknown kid).
type serviceKeys struct{ svc *auth.Service }

func (k serviceKeys) KeySet() (*jwk.Set, error) { return k.svc.PublicKeys() }

func (k serviceKeys) MissingKey(context.Context, string) (*jwk.Set, error) {
	return k.svc.PublicKeys()
}

// replica is what the server's revocation check needs of the service's
// in-memory replica.
type replica interface {
	httpauth.Revocations
	LoadedAt() time.Time
}

// serviceRevocations is the [httpauth.Revocations] of the service: its
// replica, refused as [httpauth.ErrUnavailable] (503) once older than
// [auth.Config.MaxRevocationStaleness].
type serviceRevocations struct {
	revs  replica
	stale time.Duration
	now   func() time.Time
}

func (r serviceRevocations) Check(c *jwt.Claims, sid, kid string) error {
	if r.stale > 0 && r.now().Sub(r.revs.LoadedAt()) > r.stale {
		return httpauth.ErrUnavailable
	}
	return r.revs.Check(c, sid, kid)
}

// newAuthenticator returns the [httpauth.Authenticator] of the server's
// protected endpoints, reading the access cookie names: the same
// verification as any resource server's, over the service's keyring and
// replica, with the signed CSRF check of cookie mode plugged in.
func (s *Server) newAuthenticator(names cookieNames) *httpauth.Authenticator {
	acfg := s.svc.Config()
	var algs []jwk.Algorithm
	for _, a := range jwk.Algorithms() {
		if a.KeyType() != jwk.KeyTypeOct {
			algs = append(algs, a) // each keyring key is bound to its own
		}
	}
	origins := []string{}
	if s.issuerOrigin != "" {
		origins = append(origins, s.issuerOrigin)
	}
	for o := range s.corsAllowed {
		// Only origins a browser can send: the server compares them as
		// they are.
		if originOf(o) == o {
			origins = append(origins, o)
		}
	}
	a, err := httpauth.New(httpauth.Config{
		Issuer:      acfg.Issuer,
		Audience:    acfg.Audience[0],
		Algorithms:  algs,
		Keys:        serviceKeys{s.svc},
		Revocations: serviceRevocations{revs: s.svc.Revocations(), stale: acfg.MaxRevocationStaleness, now: acfg.Now},
		Cookie: &httpauth.CookieConfig{
			Name:            names.access,
			CSRFCookie:      names.csrf,
			CSRFHeader:      csrfHeader,
			AllowedOrigins:  origins,
			VerifyCSRFToken: s.svc.CheckCSRFToken,
		},
		Realm:       realm,
		ErrorWriter: s.writeAuthError,
		Now:         acfg.Now,
	})
	if err != nil {
		// Every field above comes from a validated auth.Config.
		panic("server: " + err.Error())
	}
	return a
}

// writeAuthError answers a request the authenticator refused, in the
// app API's JSON with the challenges of [RFC 6750, Section 3]:
//
//   - no credentials: 401, WWW-Authenticate: Bearer realm="ward", and no
//     error code;
//   - a malformed, badly signed, expired or revoked token: 401,
//     error="invalid_token";
//   - a cookie-authenticated state change that fails the CSRF check: 403
//     csrf_failed;
//   - a revocation replica older than its maximum staleness: 503.
//
// [RFC 6750, Section 3]: https://www.rfc-editor.org/rfc/rfc6750#section-3
func (s *Server) writeAuthError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, httpauth.ErrNoToken):
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`"`)
		s.writeError(w, r, auth.Errorf(auth.CodeUnauthorized, "This request needs an access token: Authorization: Bearer <token>."))
	case errors.Is(err, httpauth.ErrInvalidToken):
		s.invalidToken(w, r)
	case errors.Is(err, httpauth.ErrCSRF):
		s.writeError(w, r, errCSRF)
	case errors.Is(err, httpauth.ErrUnavailable):
		s.writeError(w, r, &auth.Error{Code: auth.CodeUnavailable, Message: "The revocation list is out of date; try again later."})
	default:
		s.writeError(w, r, err)
	}
}

// authenticator returns the authenticator for r: the one reading the
// cookie names r is answered with.
func (s *Server) authenticator(r *http.Request) *httpauth.Authenticator {
	if s.cookies(r) == devCookies {
		return s.authnDev
	}
	return s.authn
}

// requireUser admits requests that carry a valid access token of a user
// session, checked by the [httpauth] middleware like any resource
// server's: in the Authorization header or, without that header, in the
// access cookie of cookie mode (a state-changing request authenticated by
// cookie must also pass the CSRF check of [Server.checkCSRF] for the
// token's session). Refusals are those of [Server.writeAuthError], and:
//
//   - a valid token that is not a user's (a client_credentials token has
//     no session): 403, error="insufficient_scope".
func (s *Server) requireUser(next http.HandlerFunc) http.HandlerFunc {
	user := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := httpauth.ClaimsFrom(r.Context())
		if c.SessionID == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`", error="insufficient_scope", error_description="This endpoint needs a user's access token."`)
			s.writeError(w, r, auth.Errorf(auth.CodeForbidden, "This endpoint needs a user's access token."))
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), claimsKey, accessClaims(c))))
	})
	secure, dev := s.authn.Middleware(user), s.authnDev.Middleware(user)
	return func(w http.ResponseWriter, r *http.Request) {
		if s.cookies(r) == devCookies {
			dev.ServeHTTP(w, r)
			return
		}
		secure.ServeHTTP(w, r)
	}
}

// accessClaims returns c as the service's claims type.
func accessClaims(c *httpauth.Claims) *auth.AccessClaims {
	return &auth.AccessClaims{Claims: c.Claims, SessionID: c.SessionID, ClientID: c.ClientID, Scope: c.Scope, Roles: c.Roles}
}

func (s *Server) invalidToken(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`", error="invalid_token", error_description="`+invalidTokenMessage+`"`)
	s.writeError(w, r, auth.Errorf(auth.CodeInvalidToken, invalidTokenMessage))
}
