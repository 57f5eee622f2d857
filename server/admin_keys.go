package server

import (
	"net/http"
	"time"

	"github.com/wardauth/ward/auth"
)

// optTime is a time that is omitted from JSON when zero.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// KeyJSON is a signing key as the admin API and `ward keys list --json`
// show it (never its private part).
type KeyJSON struct {
	KeyID       string     `json:"kid"`
	Algorithm   string     `json:"alg"`
	State       string     `json:"state"`
	CreatedAt   time.Time  `json:"created_at"`
	ActivateAt  *time.Time `json:"activate_at,omitempty"`
	ActivatedAt *time.Time `json:"activated_at,omitempty"`
	RetiredAt   *time.Time `json:"retired_at,omitempty"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
}

// NewKeyJSON returns k as [KeyJSON].
func NewKeyJSON(k auth.KeyInfo) KeyJSON {
	return KeyJSON{KeyID: k.KeyID, Algorithm: k.Algorithm, State: k.State, CreatedAt: k.CreatedAt.UTC(),
		ActivateAt: optTime(k.ActivateAt), ActivatedAt: optTime(k.ActivatedAt), RetiredAt: optTime(k.RetiredAt), RevokedAt: optTime(k.RevokedAt)}
}

// handleAdminKeys: GET /v1/admin/keys → {"keys":[…]}, oldest first.
func (s *Server) handleAdminKeys(w http.ResponseWriter, r *http.Request) {
	keys, err := s.svc.ListKeys(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]KeyJSON, 0, len(keys))
	for _, k := range keys {
		out = append(out, NewKeyJSON(k))
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": out})
}

// handleAdminRotateKeys: POST /v1/admin/keys/rotate → {rotated,
// active_kid, next_kid, activate_at}: the next key becomes active now if
// it has been published for the JWKS cache lifetime, else at activate_at.
func (s *Server) handleAdminRotateKeys(w http.ResponseWriter, r *http.Request) {
	if err := s.decodeJSON(w, r, &struct{}{}, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.svc.RotateKeysBy(r.Context(), adminMeta(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Rotated    bool       `json:"rotated"`
		ActiveKID  string     `json:"active_kid"`
		NextKID    string     `json:"next_kid,omitempty"`
		ActivateAt *time.Time `json:"activate_at,omitempty"`
	}{res.Rotated, res.ActiveKeyID, res.NextKeyID, optTime(res.ActivateAt)})
}

// handleAdminRevokeKey: POST /v1/admin/keys/{kid}/revoke → 204: the key
// leaves the JWKS and its tokens are refused at once.
func (s *Server) handleAdminRevokeKey(w http.ResponseWriter, r *http.Request) {
	if err := s.decodeJSON(w, r, &struct{}{}, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.svc.RevokeKey(r.Context(), r.PathValue("kid"), adminMeta(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
