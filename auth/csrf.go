package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// CSRF tokens are the signed double-submit tokens of the [OWASP CSRF
// Prevention Cheat Sheet] that the server's cookie mode asks for. A token
// is base64url(kind || nonce || tag): kind is 's' for a token bound to a
// session or 'p' for a pre-session token (the one a login form sends),
// nonce 16 random bytes, and tag the HMAC-SHA256 of
// "ward csrf v1" || 0 || kind || session ID || 0 || nonce under a key
// derived from the refresh-token MAC secret of the keyring. So a token
// cannot be made without the keyring's secret, which is sealed under the
// KEK like the refresh MAC secret itself, and a token of one session is
// refused for every other session.
//
// [OWASP CSRF Prevention Cheat Sheet]: https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html#signed-double-submit-cookie-recommended
const (
	csrfNonceLen = 16
	csrfTagLen   = sha256.Size
	csrfRawLen   = 1 + csrfNonceLen + csrfTagLen
	csrfLabel    = "ward csrf v1\x00"

	csrfSession    = 's'
	csrfPreSession = 'p'
)

// csrfKey derives the CSRF key from the refresh MAC secret: a separate
// key for a separate purpose, without a second secret to store.
func csrfKey(mac []byte) []byte {
	m := hmac.New(sha256.New, mac)
	m.Write([]byte("ward csrf key v1"))
	return m.Sum(nil)
}

func csrfTag(key []byte, kind byte, sessionID string, nonce []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(csrfLabel))
	m.Write([]byte{kind})
	m.Write([]byte(sessionID))
	m.Write([]byte{0})
	m.Write(nonce)
	return m.Sum(nil)
}

// CSRFToken returns a new CSRF token bound to the session sessionID, or,
// with sessionID "", a pre-session token for a login. Every call returns
// a different token; all of them stay valid as long as the keyring's
// secret does. The error comes only from a keyring that is not loaded.
func (s *Service) CSRFToken(sessionID string) (string, error) {
	st, err := s.keys.state()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, csrfNonceLen)
	rand.Read(nonce)
	return makeCSRFToken(csrfKey(st.mac), sessionID, nonce), nil
}

func csrfKind(sessionID string) byte {
	if sessionID == "" {
		return csrfPreSession
	}
	return csrfSession
}

// makeCSRFToken returns the CSRF token of sessionID with nonce under key.
func makeCSRFToken(key []byte, sessionID string, nonce []byte) string {
	kind := csrfKind(sessionID)
	raw := make([]byte, 0, csrfRawLen)
	raw = append(raw, kind)
	raw = append(raw, nonce...)
	raw = append(raw, csrfTag(key, kind, sessionID, nonce)...)
	return base64.RawURLEncoding.EncodeToString(raw)
}

// CheckCSRFToken reports whether token is a CSRF token of this service
// bound to the session sessionID or, with sessionID "", a pre-session
// token. The tag is compared in constant time.
func (s *Service) CheckCSRFToken(sessionID, token string) bool {
	st, err := s.keys.state()
	if err != nil {
		return false
	}
	return checkCSRFToken(csrfKey(st.mac), sessionID, token)
}

// checkCSRFToken is [Service.CheckCSRFToken] under key.
func checkCSRFToken(key []byte, sessionID, token string) bool {
	if len(token) != base64.RawURLEncoding.EncodedLen(csrfRawLen) {
		return false
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(raw) != csrfRawLen {
		return false
	}
	kind := csrfKind(sessionID)
	if raw[0] != kind {
		return false
	}
	nonce, tag := raw[1:1+csrfNonceLen], raw[1+csrfNonceLen:]
	return hmac.Equal(csrfTag(key, kind, sessionID, nonce), tag)
}

// RefreshSessionID returns the session a refresh token of this service
// names, if its MAC is valid. It reads no store: the session may have
// ended, and the token may be stale.
func (s *Service) RefreshSessionID(refreshToken string) (string, bool) {
	st, err := s.keys.state()
	if err != nil {
		return "", false
	}
	rt, ok := parseRefreshToken(st.mac, refreshToken)
	return rt.sessionID, ok
}

// LogoutRefresh is [Service.Logout] for a caller that holds a refresh
// token of the session but no valid access token (the browser's access
// cookie has expired). Any token of the session with a valid MAC will do,
// including a stale one: ending a session is what a stale token's reuse
// does anyway. Logging out of an ended session succeeds. Errors:
// [CodeInvalidToken] for a token that is not a refresh token of this
// service or whose session does not exist, [CodeInvalidRequest] for an
// unknown scope.
func (s *Service) LogoutRefresh(ctx context.Context, refreshToken string, scope LogoutScope, meta RequestMeta) error {
	sid, ok := s.RefreshSessionID(refreshToken)
	if !ok {
		return errBadRefresh
	}
	var sess *Session
	err := s.view(ctx, func(tx ReadTx) error {
		var err error
		sess, err = tx.Session(sid)
		return err
	})
	if IsCode(err, CodeNotFound) {
		return errBadRefresh
	}
	if err != nil {
		return err
	}
	c := &AccessClaims{SessionID: sess.ID, ClientID: sess.ClientID}
	c.Subject = sess.UserID
	return s.Logout(ctx, c, scope, meta)
}
