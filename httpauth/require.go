package httpauth

import (
	"fmt"
	"net/http"
	"strings"
)

// RequireScope returns middleware that admits a request only if the
// claims [Authenticator.Middleware] put in its context grant every one of
// scopes; any other request is answered 403 with error="insufficient_scope"
// and the scopes needed ([RFC 6750, Section 3.1]). A request that did
// not pass the middleware is answered as one without credentials. It
// panics if scopes is empty or names an empty or spaced scope.
//
// [RFC 6750, Section 3.1]: https://www.rfc-editor.org/rfc/rfc6750#section-3.1
func RequireScope(scopes ...string) func(http.Handler) http.Handler {
	for _, s := range scopes {
		if s == "" || strings.ContainsAny(s, " \"\\") {
			panic(fmt.Sprintf("httpauth: RequireScope: invalid scope %q", s))
		}
	}
	if len(scopes) == 0 {
		panic("httpauth: RequireScope with no scope")
	}
	err := &scopeError{scope: strings.Join(scopes, " ")}
	return require(err, func(c *Claims) bool {
		for _, s := range scopes {
			if !c.HasScope(s) {
				return false
			}
		}
		return true
	})
}

// RequireRole returns middleware that admits a request only if the claims
// [Authenticator.Middleware] put in its context carry at least one of
// roles (so RequireRole("admin", "auditor") admits either; chain two
// RequireRole to need both); any other request is answered 403 with
// error="insufficient_scope". A request that did not pass the middleware
// is answered as one without credentials. It panics if roles is empty.
func RequireRole(roles ...string) func(http.Handler) http.Handler {
	if len(roles) == 0 {
		panic("httpauth: RequireRole with no role")
	}
	return require(ErrInsufficientScope, func(c *Claims) bool {
		for _, r := range roles {
			if c.HasRole(r) {
				return true
			}
		}
		return false
	})
}

func require(refusal error, allow func(*Claims) bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ai := infoFrom(r.Context())
			if ai == nil || ai.claims == nil {
				// Not behind the middleware: a wiring mistake that must
				// not let the request through.
				(&Authenticator{}).WriteError(w, r, ErrNoToken)
				return
			}
			if !allow(ai.claims) {
				ai.a.writeError(w, r, refusal)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
