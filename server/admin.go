package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/wardauth/ward/auth"
)

// The admin API under /v1/admin/ (DESIGN §4): users, clients, keys and the
// audit log, for users with the role [auth.RoleAdmin]. Every change is
// audited with the acting administrator's user ID ("actor_id") and
// address. The handlers live in admin_users.go, admin_clients.go,
// admin_keys.go and admin_audit.go.

const adminKey ctxKey = 2

// adminRoutes registers the admin API on m.
func (s *Server) adminRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /v1/admin/users", s.requireAdmin(s.handleAdminUsers))
	m.HandleFunc("POST /v1/admin/users", s.requireAdmin(s.handleAdminAddUser))
	m.HandleFunc("GET /v1/admin/users/{id}", s.requireAdmin(s.handleAdminUser))
	m.HandleFunc("DELETE /v1/admin/users/{id}", s.requireAdmin(s.handleAdminDeleteUser))
	m.HandleFunc("POST /v1/admin/users/{id}/roles", s.requireAdmin(s.handleAdminSetRoles))
	m.HandleFunc("POST /v1/admin/users/{id}/disable", s.requireAdmin(s.handleAdminDisable))
	m.HandleFunc("POST /v1/admin/users/{id}/enable", s.requireAdmin(s.handleAdminEnable))
	m.HandleFunc("POST /v1/admin/users/{id}/password", s.requireAdmin(s.handleAdminSetPassword))
	m.HandleFunc("DELETE /v1/admin/users/{id}/sessions", s.requireAdmin(s.handleAdminEndSessions))

	m.HandleFunc("GET /v1/admin/clients", s.requireAdmin(s.handleAdminClients))
	m.HandleFunc("POST /v1/admin/clients", s.requireAdmin(s.handleAdminAddClient))
	m.HandleFunc("DELETE /v1/admin/clients/{id}", s.requireAdmin(s.handleAdminDeleteClient))
	m.HandleFunc("POST /v1/admin/clients/{id}/disable", s.requireAdmin(s.handleAdminDisableClient))
	m.HandleFunc("POST /v1/admin/clients/{id}/enable", s.requireAdmin(s.handleAdminEnableClient))
	m.HandleFunc("POST /v1/admin/clients/{id}/secret", s.requireAdmin(s.handleAdminClientSecret))

	m.HandleFunc("GET /v1/admin/keys", s.requireAdmin(s.handleAdminKeys))
	m.HandleFunc("POST /v1/admin/keys/rotate", s.requireAdmin(s.handleAdminRotateKeys))
	m.HandleFunc("POST /v1/admin/keys/{kid}/revoke", s.requireAdmin(s.handleAdminRevokeKey))

	m.HandleFunc("GET /v1/admin/audit", s.requireAdmin(s.handleAdminAudit))
}

// requireAdmin admits the requests of administrators: [Server.requireUser]
// first (so no token gets 401 with a bare Bearer challenge, a bad one 401
// invalid_token), then [auth.Service.AuthorizeAdmin], which reads the
// account from the store: a user without the admin role gets 403 with
// error="insufficient_scope" ([RFC 6750, Section 3.1]) and the code
// insufficient_scope; a deleted or disabled account's token is refused as
// invalid.
//
// [RFC 6750, Section 3.1]: https://www.rfc-editor.org/rfc/rfc6750#section-3.1
func (s *Server) requireAdmin(next http.HandlerFunc) http.HandlerFunc {
	return s.requireUser(func(w http.ResponseWriter, r *http.Request) {
		u, err := s.svc.AuthorizeAdmin(r.Context(), claimsFrom(r.Context()))
		switch {
		case auth.IsCode(err, auth.CodeInsufficientScope):
			w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`", error="insufficient_scope", error_description="This endpoint needs the admin role."`)
			s.writeError(w, r, err)
			return
		case auth.IsCode(err, auth.CodeUnauthorized):
			s.invalidToken(w, r)
			return
		case err != nil:
			s.writeError(w, r, err)
			return
		}
		noStore(w)
		next(w, r.WithContext(context.WithValue(r.Context(), adminKey, u)))
	})
}

// adminMeta returns the audit metadata of an admin request: the address
// and user agent of [meta], and the administrator's user ID as the actor.
func adminMeta(r *http.Request) auth.RequestMeta {
	m := meta(r)
	if u, ok := r.Context().Value(adminKey).(*auth.User); ok {
		m.ActorID = u.ID
	}
	return m
}

// adminAction runs a bodiless action on the {id} of the path (a body, if
// any, must be {}), then answers with show, or 204 if show is nil.
func (s *Server) adminAction(w http.ResponseWriter, r *http.Request, action func(ctx context.Context, id string, meta auth.RequestMeta) error, show func(w http.ResponseWriter, r *http.Request, id string)) {
	if err := s.decodeJSON(w, r, &struct{}{}, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	id := r.PathValue("id")
	if err := action(r.Context(), id, adminMeta(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	if show == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	show(w, r, id)
}

// queryParams returns r's query parameters, refusing names not in allowed
// and repeated ones, as strictly as request bodies are read.
func queryParams(r *http.Request, allowed ...string) (url.Values, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, auth.Errorf(auth.CodeInvalidRequest, "The query string is not valid.")
	}
	for k, vs := range q {
		known := false
		for _, a := range allowed {
			known = known || a == k
		}
		if !known {
			return nil, auth.Errorf(auth.CodeInvalidRequest, "Unknown query parameter %q.", truncate(k, 64))
		}
		if len(vs) > 1 {
			return nil, auth.Errorf(auth.CodeInvalidRequest, "The query parameter %q is repeated.", truncate(k, 64))
		}
	}
	return q, nil
}

// pageLimit parses the "limit" query parameter: 1 to 1000; absent, 100.
func pageLimit(q url.Values) (int, error) {
	v := q.Get("limit")
	if v == "" {
		return 100, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		return 0, auth.Errorf(auth.CodeInvalidRequest, "limit is a number from 1 to 1000.")
	}
	return n, nil
}
