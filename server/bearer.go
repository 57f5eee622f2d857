package server

import (
	"context"
	"net/http"

	"github.com/wardauth/ward/auth"
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

// requireUser admits requests that carry a valid access token of a user
// session in the Authorization header or, without that header, in the
// access cookie of cookie mode (a state-changing request authenticated
// by cookie must also pass [Server.checkCSRF] for the token's session),
// and answers the others with the challenges of [RFC 6750, Section 3]:
//
//   - no credentials: 401, WWW-Authenticate: Bearer realm="ward", and no
//     error code;
//   - a malformed, badly signed, expired or revoked token: 401,
//     error="invalid_token";
//   - a valid token that is not a user's (a client_credentials token has
//     no session): 403, error="insufficient_scope";
//   - a cookie-authenticated state change that fails the CSRF check: 403
//     csrf_failed.
//
// [RFC 6750, Section 3]: https://www.rfc-editor.org/rfc/rfc6750#section-3
func (s *Server) requireUser(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, present, ok := bearerToken(r)
		byCookie := false
		if !present && len(r.Header.Values("Authorization")) == 0 {
			if tok = cookieValue(r, s.cookies(r).access); tok != "" {
				present, ok, byCookie = true, true, true
			}
		}
		if !present {
			w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`"`)
			s.writeError(w, r, auth.Errorf(auth.CodeUnauthorized, "This request needs an access token: Authorization: Bearer <token>."))
			return
		}
		if !ok {
			s.invalidToken(w, r)
			return
		}
		claims, err := s.svc.Authenticate(r.Context(), tok)
		if err != nil {
			if auth.IsCode(err, auth.CodeUnauthorized) {
				s.invalidToken(w, r)
				return
			}
			s.writeError(w, r, err)
			return
		}
		if claims.SessionID == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`", error="insufficient_scope", error_description="This endpoint needs a user's access token."`)
			s.writeError(w, r, auth.Errorf(auth.CodeForbidden, "This endpoint needs a user's access token."))
			return
		}
		if byCookie && !isSafeMethod(r.Method) {
			if err := s.checkCSRF(r, s.cookies(r), claims.SessionID); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		next(w, r.WithContext(context.WithValue(r.Context(), claimsKey, claims)))
	}
}

func (s *Server) invalidToken(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`", error="invalid_token", error_description="`+invalidTokenMessage+`"`)
	s.writeError(w, r, auth.Errorf(auth.CodeInvalidToken, invalidTokenMessage))
}
