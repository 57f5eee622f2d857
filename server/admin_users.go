package server

import (
	"net/http"
	"time"

	"github.com/wardauth/ward/auth"
)

// adminUserJSON is a user as the admin API shows it.
type adminUserJSON struct {
	ID                string    `json:"id"`
	Email             string    `json:"email"`
	Roles             []string  `json:"roles"`
	Disabled          bool      `json:"disabled"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
	PasswordChangedAt time.Time `json:"password_changed_at"`
}

func adminUserOut(u *auth.User) adminUserJSON {
	roles := u.Roles
	if roles == nil {
		roles = []string{}
	}
	return adminUserJSON{ID: u.ID, Email: u.Email, Roles: roles, Disabled: u.Disabled,
		CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC(), PasswordChangedAt: u.PasswordChangedAt.UTC()}
}

// handleAdminUsers: GET /v1/admin/users?search=&limit=&cursor= →
// {"users":[…],"next":"…"}, ordered by ID; "next" is absent on the last
// page.
func (s *Server) handleAdminUsers(w http.ResponseWriter, r *http.Request) {
	q, err := queryParams(r, "search", "limit", "cursor")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, err := pageLimit(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	users, next, err := s.svc.SearchUsers(r.Context(), auth.UserQuery{Email: q.Get("search"), AfterID: q.Get("cursor"), Limit: limit})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]adminUserJSON, 0, len(users))
	for _, u := range users {
		out = append(out, adminUserOut(u))
	}
	writeJSON(w, http.StatusOK, struct {
		Users []adminUserJSON `json:"users"`
		Next  string          `json:"next,omitempty"`
	}{out, next})
}

// writeAdminUser answers 200 with the user id as it is now.
func (s *Server) writeAdminUser(w http.ResponseWriter, r *http.Request, id string) {
	u, err := s.svc.User(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, adminUserOut(u))
}

// handleAdminUser: GET /v1/admin/users/{id} → user.
func (s *Server) handleAdminUser(w http.ResponseWriter, r *http.Request) {
	s.writeAdminUser(w, r, r.PathValue("id"))
}

type adminAddUserRequest struct {
	Email    string   `json:"email"`
	Password string   `json:"password"`
	Roles    []string `json:"roles"`
}

// handleAdminAddUser: POST /v1/admin/users {email,password,roles} → 201
// user.
func (s *Server) handleAdminAddUser(w http.ResponseWriter, r *http.Request) {
	var req adminAddUserRequest
	if err := s.decodeJSON(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.svc.AddUser(r.Context(), req.Email, req.Password, req.Roles, adminMeta(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, adminUserOut(u))
}

type adminRolesRequest struct {
	Roles []string `json:"roles"`
}

// handleAdminSetRoles: POST /v1/admin/users/{id}/roles {roles} → user. If
// the roles change, the user's sessions end and their tokens are revoked.
func (s *Server) handleAdminSetRoles(w http.ResponseWriter, r *http.Request) {
	var req adminRolesRequest
	if err := s.decodeJSON(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Roles == nil {
		s.writeError(w, r, auth.Errorf(auth.CodeInvalidRequest, `roles is required: a list of roles, [] for none.`))
		return
	}
	id := r.PathValue("id")
	if err := s.svc.SetRoles(r.Context(), id, req.Roles, adminMeta(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeAdminUser(w, r, id)
}

// handleAdminDisable: POST /v1/admin/users/{id}/disable → user; the
// user's sessions end and their tokens are revoked.
func (s *Server) handleAdminDisable(w http.ResponseWriter, r *http.Request) {
	s.adminAction(w, r, s.svc.DisableUser, s.writeAdminUser)
}

// handleAdminEnable: POST /v1/admin/users/{id}/enable → user.
func (s *Server) handleAdminEnable(w http.ResponseWriter, r *http.Request) {
	s.adminAction(w, r, s.svc.EnableUser, s.writeAdminUser)
}

// handleAdminDeleteUser: DELETE /v1/admin/users/{id} → 204.
func (s *Server) handleAdminDeleteUser(w http.ResponseWriter, r *http.Request) {
	s.adminAction(w, r, s.svc.DeleteUser, nil)
}

// handleAdminEndSessions: DELETE /v1/admin/users/{id}/sessions → 204;
// every session of the user ends and their tokens are revoked.
func (s *Server) handleAdminEndSessions(w http.ResponseWriter, r *http.Request) {
	s.adminAction(w, r, s.svc.EndUserSessions, nil)
}

type adminPasswordRequest struct {
	Password string `json:"password"`
}

// handleAdminSetPassword: POST /v1/admin/users/{id}/password {password} →
// 204; the policy applies, every session of the user ends and their
// tokens are revoked.
func (s *Server) handleAdminSetPassword(w http.ResponseWriter, r *http.Request) {
	var req adminPasswordRequest
	if err := s.decodeJSON(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.svc.SetPassword(r.Context(), r.PathValue("id"), req.Password, adminMeta(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
