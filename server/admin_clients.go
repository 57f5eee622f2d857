package server

import (
	"net/http"
	"time"

	"github.com/wardauth/ward/auth"
)

// ClientJSON is an OAuth client as the admin API and `ward client list
// --json` show it (never its secret or the secret's hash).
type ClientJSON struct {
	ID              string     `json:"client_id"`
	Name            string     `json:"name"`
	Scopes          []string   `json:"scopes"`
	Introspect      bool       `json:"introspect"`
	IntrospectEmail bool       `json:"introspect_email"`
	Feed            bool       `json:"feed"`
	Disabled        bool       `json:"disabled"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       *time.Time `json:"updated_at,omitempty"`
	// PreviousSecretUntil is when the secret replaced by the last
	// rotation with an overlap stops working, if it still works.
	PreviousSecretUntil *time.Time `json:"previous_secret_until,omitempty"`
}

// NewClientJSON returns c as [ClientJSON].
func NewClientJSON(c *auth.Client) ClientJSON {
	scopes := c.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	return ClientJSON{ID: c.ID, Name: c.Name, Scopes: scopes, Introspect: c.Introspect, IntrospectEmail: c.IntrospectEmail, Feed: c.Feed,
		Disabled: c.Disabled, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: optTime(c.UpdatedAt), PreviousSecretUntil: optTime(c.PreviousSecretUntil)}
}

// adminClientSecretJSON is a client with its new secret, shown once.
type adminClientSecretJSON struct {
	ClientJSON
	Secret string `json:"client_secret"`
}

// handleAdminClients: GET /v1/admin/clients → {"clients":[…]}, ordered by
// ID.
func (s *Server) handleAdminClients(w http.ResponseWriter, r *http.Request) {
	cs, err := s.svc.Clients(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]ClientJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, NewClientJSON(c))
	}
	writeJSON(w, http.StatusOK, map[string]any{"clients": out})
}

type adminAddClientRequest struct {
	Name            string   `json:"name"`
	Scopes          []string `json:"scopes"`
	Introspect      bool     `json:"introspect"`
	IntrospectEmail bool     `json:"introspect_email"`
	Feed            bool     `json:"feed"`
}

// handleAdminAddClient: POST /v1/admin/clients {name, scopes, introspect,
// introspect_email, feed} → 201 client with client_secret, shown only
// here.
func (s *Server) handleAdminAddClient(w http.ResponseWriter, r *http.Request) {
	var req adminAddClientRequest
	if err := s.decodeJSON(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, secret, err := s.svc.AddClient(r.Context(), auth.ClientSpec{Name: req.Name, Scopes: req.Scopes,
		Introspect: req.Introspect, IntrospectEmail: req.IntrospectEmail, Feed: req.Feed}, adminMeta(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, adminClientSecretJSON{NewClientJSON(c), secret})
}

// handleAdminDisableClient: POST /v1/admin/clients/{id}/disable → client;
// it authenticates nowhere from now on and its access tokens are revoked.
func (s *Server) handleAdminDisableClient(w http.ResponseWriter, r *http.Request) {
	s.adminAction(w, r, s.svc.DisableClient, s.writeAdminClient)
}

// handleAdminEnableClient: POST /v1/admin/clients/{id}/enable → client.
func (s *Server) handleAdminEnableClient(w http.ResponseWriter, r *http.Request) {
	s.adminAction(w, r, s.svc.EnableClient, s.writeAdminClient)
}

// handleAdminDeleteClient: DELETE /v1/admin/clients/{id} → 204; its
// access tokens are revoked.
func (s *Server) handleAdminDeleteClient(w http.ResponseWriter, r *http.Request) {
	s.adminAction(w, r, s.svc.DeleteClient, nil)
}

// writeAdminClient answers 200 with the client id as it is now.
func (s *Server) writeAdminClient(w http.ResponseWriter, r *http.Request, id string) {
	c, err := s.svc.Client(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, NewClientJSON(c))
}

type adminSecretRequest struct {
	Overlap string `json:"overlap"`
}

// handleAdminClientSecret: POST /v1/admin/clients/{id}/secret {overlap} →
// client with its new client_secret. overlap is a Go duration ("24h") up
// to [auth.MaxSecretOverlap] during which the old secret still works;
// without it the old secret and the client's access tokens stop at once.
func (s *Server) handleAdminClientSecret(w http.ResponseWriter, r *http.Request) {
	var req adminSecretRequest
	if err := s.decodeJSON(w, r, &req, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	var overlap time.Duration
	if req.Overlap != "" {
		var err error
		if overlap, err = time.ParseDuration(req.Overlap); err != nil {
			s.writeError(w, r, auth.Errorf(auth.CodeInvalidRequest, "overlap is a duration such as 24h or 90m."))
			return
		}
	}
	id := r.PathValue("id")
	secret, err := s.svc.RotateClientSecret(r.Context(), id, overlap, adminMeta(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.svc.Client(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, adminClientSecretJSON{NewClientJSON(c), secret})
}
