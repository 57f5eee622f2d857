package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wardauth/ward/auth"
)

// handleJWKS serves the public keys that verify Ward's access tokens
// ([RFC 7517, Section 5]): the next, active and retired keys, never a
// revoked one. Verifiers may cache it for the service's JWKS cache
// lifetime, which the keyring waits before a new key signs.
//
// [RFC 7517, Section 5]: https://www.rfc-editor.org/rfc/rfc7517#section-5
func (s *Server) handleJWKS(w http.ResponseWriter, r *http.Request) {
	body := s.svc.JWKS()
	h := w.Header()
	h.Set("Content-Type", "application/jwk-set+json")
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(s.jwksTTL/time.Second)))
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// metadataJSON is the authorization server metadata of [RFC 8414,
// Section 2].
//
// response_types_supported is REQUIRED there, yet Ward has no
// authorization endpoint, so no response type is supported: the member
// is present, as the RFC asks, and empty, which is the truth. ("code"
// would send clients to an endpoint that does not exist; "none" is a
// response type of the authorization endpoint too.)
//
// [RFC 8414, Section 2]: https://www.rfc-editor.org/rfc/rfc8414#section-2
type metadataJSON struct {
	Issuer                                    string   `json:"issuer"`
	TokenEndpoint                             string   `json:"token_endpoint"`
	JWKSURI                                   string   `json:"jwks_uri"`
	RevocationEndpoint                        string   `json:"revocation_endpoint"`
	IntrospectionEndpoint                     string   `json:"introspection_endpoint"`
	ResponseTypesSupported                    []string `json:"response_types_supported"`
	GrantTypesSupported                       []string `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported         []string `json:"token_endpoint_auth_methods_supported"`
	RevocationEndpointAuthMethodsSupported    []string `json:"revocation_endpoint_auth_methods_supported"`
	IntrospectionEndpointAuthMethodsSupported []string `json:"introspection_endpoint_auth_methods_supported"`
}

// handleMetadata serves the OAuth 2.0 authorization server metadata
// ([RFC 8414]), with every URL built from the configured issuer.
//
// [RFC 8414]: https://www.rfc-editor.org/rfc/rfc8414
func (s *Server) handleMetadata(w http.ResponseWriter, r *http.Request) {
	base := strings.TrimSuffix(s.issuer, "/")
	grants := []string{grantRefreshToken, grantClientCredentials}
	if s.cfg.EnablePasswordGrant {
		grants = append(grants, grantPassword)
	}
	// "none" ([RFC 7591, Section 2]): the public app client refreshes
	// and revokes its tokens without a secret. Introspection needs a
	// secret.
	//
	// [RFC 7591, Section 2]: https://www.rfc-editor.org/rfc/rfc7591#section-2
	confidential := []string{authMethodClientSecretBasic, authMethodClientSecretPost}
	withPublic := []string{authMethodClientSecretBasic, authMethodClientSecretPost, "none"}
	md := metadataJSON{
		Issuer:                                    s.issuer,
		TokenEndpoint:                             base + "/oauth2/token",
		JWKSURI:                                   base + "/.well-known/jwks.json",
		RevocationEndpoint:                        base + "/oauth2/revoke",
		IntrospectionEndpoint:                     base + "/oauth2/introspect",
		ResponseTypesSupported:                    []string{},
		GrantTypesSupported:                       grants,
		TokenEndpointAuthMethodsSupported:         withPublic,
		RevocationEndpointAuthMethodsSupported:    withPublic,
		IntrospectionEndpointAuthMethodsSupported: confidential,
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	writeJSON(w, http.StatusOK, md)
}

// handleHealth: GET /healthz → 200 {"status":"ok"} while the process
// serves.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyTimeout bounds the store check of /readyz.
const readyTimeout = 2 * time.Second

// Stable codes of a failing /readyz.
const (
	readyKeysNotLoaded        = "keys_not_loaded"
	readyRevocationsNotLoaded = "revocations_not_loaded"
	readyRevocationsStale     = "revocations_stale"
	readyStoreUnavailable     = "store_unavailable"
)

// handleReady: GET /readyz → 200 {"status":"ready"} once the service can
// verify tokens and read its store ([auth.Service.Ready]: keyring and
// revocation replica loaded, the replica fresh enough under
// [auth.Config.MaxRevocationStaleness], and a trivial store read
// answered within readyTimeout); otherwise 503 with Retry-After and
// {"status":"not_ready","code":…,"reason":…}, the code one of
// keys_not_loaded, revocations_not_loaded, revocations_stale and
// store_unavailable. A ready service working in a fallback mode
// ([auth.Service.Degraded]: Redis unreachable) answers 200 with
// {"status":"degraded","degraded":[…],"reason":…}, the parts
// revocation_bus and limiter: it serves correctly, so it stays in the
// load balancer, and the status tells the operator.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.svc.Ready(ctx); err != nil {
		reason := auth.ErrorMessage(err)
		var code string
		switch {
		case errors.Is(err, auth.ErrKeysNotLoaded):
			code = readyKeysNotLoaded
		case errors.Is(err, auth.ErrRevocationsNotLoaded):
			code = readyRevocationsNotLoaded
		case errors.Is(err, auth.ErrRevocationsStale):
			code = readyRevocationsStale
		default:
			s.logInternal(r.Context(), r, err)
			code, reason = readyStoreUnavailable, "store unavailable"
		}
		w.Header().Set("Retry-After", retryAfterUnavailable)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not_ready", "code": code, "reason": reason})
		return
	}
	if d := s.svc.Degraded(); len(d) > 0 {
		parts := make([]string, len(d))
		for i, x := range d {
			parts[i] = x.Part
		}
		writeJSON(w, http.StatusOK, map[string]any{"status": "degraded", "degraded": parts, "reason": degradedReason})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// degradedReason explains a degraded /readyz.
const degradedReason = "a shared dependency (Redis) is unreachable: other instances' revocations arrive at the sync interval and abuse limits are per instance"
