package server

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wardauth/ward/auth"
)

// OAuth error codes ([RFC 6749, Section 5.2]).
//
// [RFC 6749, Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
const (
	oauthInvalidRequest       = "invalid_request"
	oauthInvalidClient        = "invalid_client"
	oauthInvalidGrant         = "invalid_grant"
	oauthUnauthorizedClient   = "unauthorized_client"
	oauthUnsupportedGrantType = "unsupported_grant_type"
	oauthInvalidScope         = "invalid_scope"
	// Not in RFC 6749, Section 5.2, which lists no server-side failures;
	// these are the codes its Section 4.1.2.1 defines for them.
	oauthServerError            = "server_error"
	oauthTemporarilyUnavailable = "temporarily_unavailable"
	// oauthRateLimited answers a request refused by the abuse limits,
	// with 429 and Retry-After: Ward's stable code rate_limited, an
	// extension error value ([RFC 6749, Section 8.5]) that clients which
	// do not know it treat as any other error.
	//
	// [RFC 6749, Section 8.5]: https://www.rfc-editor.org/rfc/rfc6749#section-8.5
	oauthRateLimited = auth.CodeRateLimited
)

// Grant types and client authentication methods.
const (
	grantRefreshToken           = "refresh_token"
	grantClientCredentials      = "client_credentials"
	grantPassword               = "password"
	authMethodClientSecretBasic = "client_secret_basic"
	authMethodClientSecretPost  = "client_secret_post"
)

const (
	maxOAuthParam                = 4096 // bytes in any one parameter
	maxScopeParam                = 1024
	basicRealmChallenge          = `Basic realm="` + realm + `", charset="UTF-8"`
	invalidClientMessage         = "Client authentication failed."
	oauthMissingClientAuthMsg    = "This endpoint needs client authentication: HTTP Basic or client_id and client_secret in the body."
	oauthTwoClientAuthMethodsMsg = "Use one client authentication method, not both."
)

// oauthError is an error response of the OAuth endpoints.
type oauthError struct {
	status      int
	code        string
	description string
	basic       bool // add a Basic challenge (the client used HTTP Basic)
	retryAfter  string
	cause       error // an internal error, logged, never sent
}

func (e *oauthError) Error() string { return e.code + ": " + e.description }

type oauthErrorJSON struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description,omitempty"`
}

func badRequest(code, desc string) *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: code, description: desc}
}

// writeOAuthError answers with e as [RFC 6749, Section 5.2] says: 400,
// except invalid_client (401, with a Basic challenge when the client used
// Basic), server errors and throttling.
//
// [RFC 6749, Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
func (s *Server) writeOAuthError(w http.ResponseWriter, r *http.Request, e *oauthError) {
	noStore(w)
	if e.cause != nil {
		s.logInternal(r.Context(), r, e.cause)
	}
	if e.basic {
		w.Header().Set("WWW-Authenticate", basicRealmChallenge)
	}
	if e.retryAfter != "" {
		w.Header().Set("Retry-After", e.retryAfter)
	}
	if e.status == http.StatusTooManyRequests {
		s.noteRateLimited(r)
	}
	writeJSON(w, e.status, oauthErrorJSON{Error: e.code, ErrorDescription: e.description})
}

// oauthFromAuth converts an error from the auth service into an OAuth
// error: invalid (reused, ended) refresh tokens and wrong passwords are
// invalid_grant; a wrong client secret invalid_client; internal errors
// server_error, with the detail logged only.
func oauthFromAuth(err error) *oauthError {
	var oe *oauthError
	if errors.As(err, &oe) {
		return oe
	}
	msg := auth.ErrorMessage(err)
	switch code := auth.ErrorCode(err); code {
	case auth.CodeInvalidToken, auth.CodeSessionEnded, auth.CodeTokenReused, auth.CodeInvalidCredentials:
		return badRequest(oauthInvalidGrant, msg)
	case auth.CodeInvalidScope:
		return badRequest(oauthInvalidScope, msg)
	case auth.CodeInvalidRequest, auth.CodeWeakPassword, codeBodyTooLarge, codeUnsupportedMediaType:
		return badRequest(oauthInvalidRequest, msg)
	case auth.CodeForbidden, auth.CodeUnauthorized:
		return badRequest(oauthUnauthorizedClient, msg)
	case auth.CodeRateLimited:
		return &oauthError{status: http.StatusTooManyRequests, code: oauthRateLimited, description: msg, retryAfter: retryAfter(err)}
	case auth.CodeUnavailable:
		return &oauthError{status: http.StatusServiceUnavailable, code: oauthTemporarilyUnavailable, description: msg, retryAfter: retryAfter(err)}
	default:
		return &oauthError{status: http.StatusInternalServerError, code: oauthServerError, description: internalMessage, cause: err}
	}
}

// clientAuth is what a request offers to authenticate its client
// ([RFC 6749, Section 2.3.1]).
//
// [RFC 6749, Section 2.3.1]: https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
type clientAuth struct {
	id, secret string
	basic      bool // from the Authorization header
	present    bool
}

// clientCredentials reads the client's credentials from HTTP Basic, whose
// user name and password are form-urlencoded ([RFC 6749, Section
// 2.3.1]), or from client_id and client_secret in the body; using both is
// invalid_request. A body client_id without a secret is returned too
// (present, empty secret): a public client identifying itself.
func clientCredentials(r *http.Request, form url.Values) (clientAuth, *oauthError) {
	var ca clientAuth
	if h := r.Header.Get("Authorization"); h != "" {
		id, secret, ok := r.BasicAuth()
		if !ok {
			if len(h) >= 6 && strings.EqualFold(h[:6], "basic ") {
				return ca, &oauthError{status: http.StatusUnauthorized, code: oauthInvalidClient, description: "The Basic credentials are malformed.", basic: true}
			}
			return ca, badRequest(oauthInvalidRequest, "Client authentication must use HTTP Basic.")
		}
		uid, err1 := url.QueryUnescape(id)
		usecret, err2 := url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			return ca, &oauthError{status: http.StatusUnauthorized, code: oauthInvalidClient, description: "The Basic credentials are not form-urlencoded.", basic: true}
		}
		ca = clientAuth{id: uid, secret: usecret, basic: true, present: true}
	}
	_, hasSecret := form["client_secret"]
	if ca.basic {
		if hasSecret {
			return ca, badRequest(oauthInvalidRequest, oauthTwoClientAuthMethodsMsg)
		}
		if id := form.Get("client_id"); id != "" && id != ca.id {
			return ca, badRequest(oauthInvalidRequest, "client_id differs from the authenticated client.")
		}
		return ca, nil
	}
	if id := form.Get("client_id"); id != "" || hasSecret {
		ca = clientAuth{id: id, secret: form.Get("client_secret"), present: true}
	}
	return ca, nil
}

// authenticateClient checks a client's credentials
// ([auth.Service.AuthenticateClient]: a constant-time check of the
// secret's hash, failures audited, no token signed) and returns the
// client.
func (s *Server) authenticateClient(r *http.Request, ca clientAuth) (*auth.Client, *oauthError) {
	if !ca.present {
		return nil, &oauthError{status: http.StatusUnauthorized, code: oauthInvalidClient, description: oauthMissingClientAuthMsg, basic: true}
	}
	if ca.id == "" || ca.secret == "" || len(ca.id) > maxOAuthParam || len(ca.secret) > maxOAuthParam {
		return nil, &oauthError{status: http.StatusUnauthorized, code: oauthInvalidClient, description: invalidClientMessage, basic: ca.basic}
	}
	c, err := s.svc.AuthenticateClient(r.Context(), ca.id, ca.secret, meta(r))
	if err != nil {
		if auth.IsCode(err, auth.CodeInvalidCredentials) {
			return nil, &oauthError{status: http.StatusUnauthorized, code: oauthInvalidClient, description: invalidClientMessage, basic: ca.basic}
		}
		return nil, oauthFromAuth(err)
	}
	return c, nil
}

// appClientOnly admits the refresh_token and password grants for the
// public app client only: Ward's sessions all belong to it
// ([auth.Config.AppClientID]), so a refresh token was issued to no other
// client ([RFC 6749, Section 6]), and the password grant issues tokens
// for it. A request may omit client identification or give the app
// client's ID without a secret; a confidential client must authenticate
// (invalid_client otherwise) and is then refused with
// unauthorized_client.
//
// [RFC 6749, Section 6]: https://www.rfc-editor.org/rfc/rfc6749#section-6
func (s *Server) appClientOnly(r *http.Request, ca clientAuth) *oauthError {
	switch {
	case !ca.present || (ca.id == s.appClientID && ca.secret == ""):
		return nil
	case ca.id == s.appClientID || ca.secret == "":
		// The app client has no secret; another client needs one.
		return &oauthError{status: http.StatusUnauthorized, code: oauthInvalidClient, description: invalidClientMessage, basic: ca.basic}
	}
	if _, oe := s.authenticateClient(r, ca); oe != nil {
		return oe
	}
	return badRequest(oauthUnauthorizedClient, "This grant is for the app client "+strconv.Quote(s.appClientID)+" only.")
}

// handleToken is the token endpoint ([RFC 6749, Section 3.2]): the
// refresh_token, client_credentials and (if enabled) password grants.
//
// [RFC 6749, Section 3.2]: https://www.rfc-editor.org/rfc/rfc6749#section-3.2
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	tp, oe := s.token(w, r)
	if oe != nil {
		s.writeOAuthError(w, r, oe)
		return
	}
	writeTokens(w, tp)
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) (*auth.TokenPair, *oauthError) {
	form, err := s.parseForm(w, r)
	if err != nil {
		return nil, oauthFromAuth(err)
	}
	ca, oe := clientCredentials(r, form)
	if oe != nil {
		return nil, oe
	}
	for _, v := range form {
		if len(v[0]) > maxOAuthParam {
			return nil, badRequest(oauthInvalidRequest, "A parameter is too long.")
		}
	}
	grant := form.Get("grant_type")
	switch grant {
	case "":
		return nil, badRequest(oauthInvalidRequest, "grant_type is required.")
	case grantRefreshToken:
		rt := form.Get("refresh_token")
		if rt == "" {
			return nil, badRequest(oauthInvalidRequest, "refresh_token is required.")
		}
		if form.Get("scope") != "" {
			return nil, badRequest(oauthInvalidScope, "A refresh cannot change the scope.")
		}
		if oe := s.appClientOnly(r, ca); oe != nil {
			return nil, oe
		}
		tp, err := s.svc.Refresh(r.Context(), rt, meta(r))
		if err != nil {
			return nil, oauthFromAuth(err)
		}
		return tp, nil
	case grantClientCredentials:
		if !ca.present {
			return nil, &oauthError{status: http.StatusUnauthorized, code: oauthInvalidClient, description: oauthMissingClientAuthMsg, basic: true}
		}
		if ca.id == "" || ca.secret == "" {
			return nil, &oauthError{status: http.StatusUnauthorized, code: oauthInvalidClient, description: invalidClientMessage, basic: ca.basic}
		}
		scope := form.Get("scope")
		if len(scope) > maxScopeParam {
			return nil, badRequest(oauthInvalidScope, "The scope is too long.")
		}
		tp, err := s.svc.ClientCredentials(r.Context(), ca.id, ca.secret, strings.Fields(scope), meta(r))
		if err != nil {
			if auth.IsCode(err, auth.CodeInvalidCredentials) {
				return nil, &oauthError{status: http.StatusUnauthorized, code: oauthInvalidClient, description: invalidClientMessage, basic: ca.basic}
			}
			return nil, oauthFromAuth(err)
		}
		return tp, nil
	case grantPassword:
		if !s.cfg.EnablePasswordGrant {
			return nil, badRequest(oauthUnsupportedGrantType, "The password grant is not enabled on this server.")
		}
		user, pass := form.Get("username"), form.Get("password")
		if user == "" || pass == "" {
			return nil, badRequest(oauthInvalidRequest, "username and password are required.")
		}
		if form.Get("scope") != "" {
			return nil, badRequest(oauthInvalidScope, "The password grant takes no scope.")
		}
		if oe := s.appClientOnly(r, ca); oe != nil {
			return nil, oe
		}
		tp, err := s.svc.PasswordGrant(r.Context(), user, pass, meta(r))
		if err != nil {
			return nil, oauthFromAuth(err)
		}
		return tp, nil
	default:
		return nil, badRequest(oauthUnsupportedGrantType, "The grant type is not supported.")
	}
}

// handleRevoke is the revocation endpoint ([RFC 7009]): the client
// authenticates (the public app client, which has no secret, gives its
// client_id), and the token is revoked (a refresh token ends its session).
// Unknown, invalid and already revoked tokens are answered 200, as Section
// 2.2 asks. A token issued to another client is refused with
// unauthorized_client (Section 2.1).
//
// [RFC 7009]: https://www.rfc-editor.org/rfc/rfc7009
func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	oe := s.revoke(w, r)
	if oe != nil {
		s.writeOAuthError(w, r, oe)
		return
	}
	noStore(w)
	w.WriteHeader(http.StatusOK)
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request) *oauthError {
	form, err := s.parseForm(w, r)
	if err != nil {
		return oauthFromAuth(err)
	}
	ca, oe := clientCredentials(r, form)
	if oe != nil {
		return oe
	}
	// The app client is public (RFC 6749, Section 2.1): it identifies
	// itself by client_id alone, and may revoke the tokens issued to it
	// (RFC 7009, Section 2.1 authenticates confidential clients only).
	// Every other client authenticates.
	if !(ca.present && ca.secret == "" && ca.id == s.appClientID) {
		if _, oe := s.authenticateClient(r, ca); oe != nil {
			return oe
		}
	}
	tok := form.Get("token")
	if tok == "" {
		return badRequest(oauthInvalidRequest, "token is required.")
	}
	// token_type_hint is only a hint (Section 2.1): Ward tells its two
	// token types apart by their form, so it is not needed, and an
	// unknown hint is ignored rather than answered unsupported_token_type.
	if len(tok) > maxOAuthParam {
		return nil
	}
	in, err := s.svc.Introspect(r.Context(), tok)
	if err != nil {
		return oauthFromAuth(err)
	}
	if !in.Active {
		return nil
	}
	if in.ClientID != ca.id {
		return badRequest(oauthUnauthorizedClient, "The token was not issued to this client.")
	}
	if err := s.svc.RevokeToken(r.Context(), tok, meta(r)); err != nil {
		return oauthFromAuth(err)
	}
	return nil
}

// introspectionJSON is an introspection response ([RFC 7662, Section
// 2.2]). An inactive token is {"active":false} and nothing else.
//
// [RFC 7662, Section 2.2]: https://www.rfc-editor.org/rfc/rfc7662#section-2.2
type introspectionJSON struct {
	Active    bool     `json:"active"`
	Scope     string   `json:"scope,omitempty"`
	ClientID  string   `json:"client_id,omitempty"`
	Username  string   `json:"username,omitempty"`
	TokenType string   `json:"token_type,omitempty"`
	Exp       int64    `json:"exp,omitempty"`
	Iat       int64    `json:"iat,omitempty"`
	Sub       string   `json:"sub,omitempty"`
	Aud       []string `json:"aud,omitempty"`
	Iss       string   `json:"iss,omitempty"`
	Jti       string   `json:"jti,omitempty"`
	Sid       string   `json:"sid,omitempty"`
	Roles     []string `json:"roles,omitempty"`
}

// handleIntrospect is the introspection endpoint ([RFC 7662]), for
// authenticated clients (resource servers). A client without the
// permission to introspect ([auth.Client.Introspect]) learns about its own
// tokens only: for any other token the answer is {"active":false}, as for
// an invalid token ([RFC 7662, Section 2.2] and Section 4; a 403 would
// tell it which tokens are valid). An access token's token_type is
// "Bearer" (its type in [RFC 6749, Section 7.1]); a refresh token's is
// "refresh_token". username is the user's email address, for clients
// given that permission only ([auth.Client.IntrospectEmail]). When the
// revocation replica is too old to tell ([auth.Config.MaxRevocationStaleness])
// the answer is 503 temporarily_unavailable with Retry-After, never a
// silent {"active":false}.
//
// [RFC 7662]: https://www.rfc-editor.org/rfc/rfc7662
// [RFC 7662, Section 2.2]: https://www.rfc-editor.org/rfc/rfc7662#section-2.2
// [RFC 6749, Section 7.1]: https://www.rfc-editor.org/rfc/rfc6749#section-7.1
func (s *Server) handleIntrospect(w http.ResponseWriter, r *http.Request) {
	out, oe := s.introspect(w, r)
	if oe != nil {
		s.writeOAuthError(w, r, oe)
		return
	}
	noStore(w)
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) introspect(w http.ResponseWriter, r *http.Request) (*introspectionJSON, *oauthError) {
	form, err := s.parseForm(w, r)
	if err != nil {
		return nil, oauthFromAuth(err)
	}
	ca, oe := clientCredentials(r, form)
	if oe != nil {
		return nil, oe
	}
	if err := s.svc.AllowIntrospection(r.Context(), meta(r)); err != nil {
		return nil, oauthFromAuth(err)
	}
	client, oe := s.authenticateClient(r, ca)
	if oe != nil {
		return nil, oe
	}
	tok := form.Get("token")
	if tok == "" {
		return nil, badRequest(oauthInvalidRequest, "token is required.")
	}
	inactive := &introspectionJSON{}
	if len(tok) > maxOAuthParam {
		return inactive, nil
	}
	in, err := s.svc.IntrospectFor(r.Context(), client, tok)
	if err != nil {
		return nil, oauthFromAuth(err)
	}
	if !in.Active {
		return inactive, nil
	}
	out := &introspectionJSON{
		Active: true, Scope: in.Scope, ClientID: in.ClientID, Sub: in.Subject, Aud: in.Audience,
		Iss: in.Issuer, Jti: in.TokenID, Sid: in.SessionID, Roles: in.Roles,
	}
	if !in.ExpiresAt.IsZero() {
		out.Exp = in.ExpiresAt.Unix()
	}
	if !in.IssuedAt.IsZero() {
		out.Iat = in.IssuedAt.Unix()
	}
	switch in.TokenType {
	case "access_token":
		out.TokenType = "Bearer"
	default:
		out.TokenType = in.TokenType
	}
	out.Username = in.Username
	return out, nil
}
