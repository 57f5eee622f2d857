package server

import (
	"net/http"
	"time"

	"github.com/wardauth/ward/auth"
)

// userJSON is a user as the app API shows it.
type userJSON struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Roles     []string  `json:"roles"`
	CreatedAt time.Time `json:"created_at"`
}

func userOut(u *auth.User) userJSON {
	roles := u.Roles
	if roles == nil {
		roles = []string{}
	}
	return userJSON{ID: u.ID, Email: u.Email, Roles: roles, CreatedAt: u.CreatedAt.UTC()}
}

// tokenJSON is a token response ([RFC 6749, Section 5.1]); the app API's
// login and refresh answer with it too.
//
// [RFC 6749, Section 5.1]: https://www.rfc-editor.org/rfc/rfc6749#section-5.1
type tokenJSON struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
}

func writeTokens(w http.ResponseWriter, tp *auth.TokenPair) {
	noStore(w)
	writeJSON(w, http.StatusOK, tokenJSON{
		AccessToken:  tp.AccessToken,
		TokenType:    "Bearer",
		ExpiresIn:    tp.ExpiresIn,
		RefreshToken: tp.RefreshToken,
		Scope:        tp.Scope,
	})
}

type credentialsRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// handleSignup: POST /v1/auth/signup {email,password} → 201 user.
func (s *Server) handleSignup(w http.ResponseWriter, r *http.Request) {
	var req credentialsRequest
	if err := s.decodeJSON(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.svc.Signup(r.Context(), req.Email, req.Password, meta(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, userOut(u))
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Mode     string `json:"mode"` // "body" (the default) or "cookie"
}

// handleLogin: POST /v1/auth/login {email,password} → 200 tokens; with
// "mode":"cookie", a cookie-mode login (CSRF-checked) → 200
// {expires_in,csrf_token} and the cookies.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := s.decodeJSON(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	cookie, err := checkMode(req.Mode)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if cookie {
		s.loginCookie(w, r, &req)
		return
	}
	tp, err := s.svc.Login(r.Context(), req.Email, req.Password, meta(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeTokens(w, tp)
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
	Mode         string `json:"mode"` // "body" or "cookie"; "": from the request
}

// handleRefresh: POST /v1/auth/refresh {refresh_token} → 200 tokens. A
// request without refresh_token that carries the refresh cookie (or says
// "mode":"cookie") is a cookie-mode refresh.
func (s *Server) handleRefresh(w http.ResponseWriter, r *http.Request) {
	var req refreshRequest
	if err := s.decodeJSON(w, r, &req, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	cookie, err := checkMode(req.Mode)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.RefreshToken == "" && (cookie || req.Mode == "" && cookieValue(r, s.cookies(r).refresh) != "") {
		s.refreshCookie(w, r)
		return
	}
	if cookie {
		s.writeError(w, r, auth.Errorf(auth.CodeInvalidRequest, "A cookie-mode refresh sends no refresh_token."))
		return
	}
	if req.RefreshToken == "" {
		s.writeError(w, r, auth.Errorf(auth.CodeInvalidRequest, "refresh_token is required."))
		return
	}
	tp, err := s.svc.Refresh(r.Context(), req.RefreshToken, meta(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeTokens(w, tp)
}

type logoutRequest struct {
	Scope string `json:"scope"`
}

// handleLogout: POST /v1/auth/logout {scope} (an empty body means
// "session") → 204. With an Authorization header (or no cookies) it is
// Bearer-authenticated; else the session is the cookies' (see
// [Server.logoutCookie]).
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if len(r.Header.Values("Authorization")) > 0 || !hasSessionCookie(r, s.cookies(r)) {
		s.requireUser(s.logoutBearer)(w, r)
		return
	}
	s.logoutCookie(w, r)
}

func (s *Server) logoutBearer(w http.ResponseWriter, r *http.Request) {
	var req logoutRequest
	if err := s.decodeJSON(w, r, &req, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.svc.Logout(r.Context(), claimsFrom(r.Context()), auth.LogoutScope(req.Scope), meta(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleMe: GET /v1/me (Bearer) → user.
func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	u, err := s.svc.Me(r.Context(), claimsFrom(r.Context()))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userOut(u))
}

type passwordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// handlePassword: POST /v1/me/password {current_password,new_password}
// (Bearer) → 204; every other session of the user ends.
func (s *Server) handlePassword(w http.ResponseWriter, r *http.Request) {
	var req passwordRequest
	if err := s.decodeJSON(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.svc.ChangePassword(r.Context(), claimsFrom(r.Context()), req.CurrentPassword, req.NewPassword, meta(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type sessionJSON struct {
	ID         string    `json:"id"`
	Current    bool      `json:"current"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	IP         string    `json:"ip,omitempty"`
	UserAgent  string    `json:"user_agent,omitempty"`
}

// handleSessions: GET /v1/me/sessions (Bearer) → {"sessions":[…]}, the
// live sessions newest first, the caller's marked "current".
func (s *Server) handleSessions(w http.ResponseWriter, r *http.Request) {
	c := claimsFrom(r.Context())
	list, err := s.svc.Sessions(r.Context(), c.Subject)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]sessionJSON, 0, len(list))
	for _, sess := range list {
		out = append(out, sessionJSON{
			ID: sess.ID, Current: sess.ID == c.SessionID,
			CreatedAt: sess.CreatedAt.UTC(), LastUsedAt: sess.LastUsedAt.UTC(), ExpiresAt: sess.ExpiresAt.UTC(),
			IP: sess.IP, UserAgent: sess.UserAgent,
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": out})
}

// handleEndSession: DELETE /v1/me/sessions/{id} (Bearer) → 204.
func (s *Server) handleEndSession(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.EndSession(r.Context(), claimsFrom(r.Context()), r.PathValue("id"), meta(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
