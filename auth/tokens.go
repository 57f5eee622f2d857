package auth

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/wardauth/ward/jose/jwt"
)

func jwtClaims(iss, sub string, aud []string, exp, iat time.Time, jti string) jwt.Claims {
	return jwt.Claims{Issuer: iss, Subject: sub, Audience: jwt.Audience(aud), ExpiresAt: exp, IssuedAt: iat, ID: jti}
}

var errBadRefresh = &Error{Code: CodeInvalidToken, Message: "The refresh token is invalid."}

// Refresh exchanges a refresh token for a new access token and the next
// refresh token of the session ([RFC 6749, Section 6]). Refreshes of one
// session are serialized in the store.
//
//   - The current token rotates: the session's counter is incremented and
//     the new token returned.
//   - The previous token, presented within [Config.RefreshGrace] of the
//     last rotation, returns the current token again (the same string for
//     every caller) with a fresh access token, without rotating, so that
//     concurrent tabs converge on one chain.
//   - Any other stale token is a reuse: the session ends, its access
//     tokens are revoked, "refresh_reuse" is audited, and the error has
//     [CodeTokenReused] (also returned for the session's later refreshes).
//
// Other errors: [CodeInvalidToken] (malformed, bad MAC, unknown session),
// [CodeSessionEnded] (ended, idle or past its absolute lifetime, or the
// user is disabled).
//
// [RFC 6749, Section 6]: https://www.rfc-editor.org/rfc/rfc6749#section-6
func (s *Service) Refresh(ctx context.Context, refreshToken string, meta RequestMeta) (*TokenPair, error) {
	st, err := s.keys.state()
	if err != nil {
		return nil, err
	}
	rt, ok := parseRefreshToken(st.mac, refreshToken)
	if !ok {
		return nil, errBadRefresh
	}
	now := s.now()
	var (
		result error
		sess   *Session
		user   *User
	)
	err = s.update(ctx, func(tx Tx, l *txlog) error {
		result, sess, user = nil, nil, nil
		var err error
		sess, err = tx.LockSession(rt.sessionID)
		if IsCode(err, CodeNotFound) {
			result = errBadRefresh
			return nil
		}
		if err != nil {
			return err
		}
		ev := s.event(now, EventRefresh, OutcomeFailure, meta)
		ev.UserID, ev.SessionID, ev.ClientID = sess.UserID, sess.ID, sess.ClientID
		fail := func(code, msg, detail string) {
			result = &Error{Code: code, Message: msg}
			ev.Detail = detail
			l.audit(ev)
		}
		if !sess.EndedAt.IsZero() {
			if sess.EndReason == EndReuse {
				fail(CodeTokenReused, "The refresh token was already used; the session has ended.", "reason=session_ended_by_reuse")
			} else {
				fail(CodeSessionEnded, "The session has ended.", "reason=session_ended")
			}
			return nil
		}
		if !sess.Active(now, s.cfg.SessionIdleTTL) {
			reason := EndIdle
			if !now.Before(sess.ExpiresAt) {
				reason = EndExpired
			}
			fail(CodeSessionEnded, "The session has expired.", "reason="+reason)
			return s.endSession(tx, l, sess, now, reason, meta)
		}
		if user, err = tx.User(sess.UserID); err != nil {
			return err
		}
		if user.Disabled {
			fail(CodeSessionEnded, "The session has ended.", "reason=user_disabled")
			return s.endSession(tx, l, sess, now, EndUserDisabled, meta)
		}
		switch {
		case rt.counter == sess.Counter:
			sess.Counter++
			sess.RotatedAt, sess.LastUsedAt = now, now
			ev.Detail = fmt.Sprintf("counter=%d", sess.Counter)
		case rt.counter+1 == sess.Counter && s.grace > 0 && now.Before(sess.RotatedAt.Add(s.grace)):
			sess.LastUsedAt = now
			ev.Detail = fmt.Sprintf("counter=%d grace=true", sess.Counter)
		case rt.counter > sess.Counter:
			// Only a database restored from an old backup gets here.
			fail(CodeInvalidToken, "The refresh token is invalid.", "reason=counter_ahead")
			return nil
		default:
			result = &Error{Code: CodeTokenReused, Message: "The refresh token was already used; the session has ended."}
			reuse := s.event(now, EventRefreshReuse, OutcomeFailure, meta)
			reuse.UserID, reuse.SessionID, reuse.ClientID = sess.UserID, sess.ID, sess.ClientID
			reuse.Detail = fmt.Sprintf("presented=%d current=%d", rt.counter, sess.Counter)
			l.audit(reuse)
			return s.endSession(tx, l, sess, now, EndReuse, meta)
		}
		if err := tx.UpdateSession(sess); err != nil {
			return err
		}
		ev.Outcome = OutcomeSuccess
		l.audit(ev)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if result != nil {
		return nil, result
	}
	return s.tokenPair(user, sess, now)
}

// Authenticate verifies an access token issued by this service and
// returns its claims: the signature (by a published, unrevoked key), "typ"
// at+jwt, issuer, audience (the first of [Config.Audience]), lifetime, and
// the in-memory revocation replica (token, session, user), with no store
// round trip. Errors have [CodeUnauthorized] and wrap the [jwt] error
// (errors.Is(err, jwt.ErrRevoked), jwt.ErrExpired, …).
func (s *Service) Authenticate(ctx context.Context, accessToken string) (*AccessClaims, error) {
	st, err := s.keys.state()
	if err != nil {
		return nil, err
	}
	if err := s.fresh(); err != nil {
		return nil, err
	}
	c := new(AccessClaims)
	if err := st.verifier.VerifyInto(accessToken, c); err != nil {
		return nil, unauthorized(err)
	}
	return c, nil
}

// fresh returns an error if the revocation replica is older than
// [Config.MaxRevocationStaleness].
func (s *Service) fresh() error {
	if s.cfg.MaxRevocationStaleness <= 0 {
		return nil
	}
	if age := s.now().Sub(s.revs.LoadedAt()); age > s.cfg.MaxRevocationStaleness {
		return &Error{Code: CodeUnavailable, Message: "The revocation list is out of date; try again later."}
	}
	return nil
}

// Ready returns nil when the service can verify tokens: its keyring is
// loaded and its revocation replica is loaded and, with
// [Config.MaxRevocationStaleness], fresh enough. The server's readiness
// probe reports it.
func (s *Service) Ready() error {
	if _, err := s.keys.state(); err != nil {
		return err
	}
	if s.revs.LoadedAt().IsZero() {
		return &Error{Code: CodeUnavailable, Message: "The revocation list is not loaded yet."}
	}
	return s.fresh()
}

func unauthorized(err error) error {
	return fmt.Errorf("%w (%w)", &Error{Code: CodeUnauthorized, Message: "The access token is invalid, expired or revoked."}, err)
}

// Logout ends sessions of the caller, whose access token claims are
// claims: [LogoutSession] its own session, [LogoutAll] every session of
// the user, [LogoutOthers] every other session. Their refresh tokens stop
// working and their access tokens are refused at once. Logging out of an
// ended session succeeds. Errors: [CodeInvalidRequest] (an unknown scope,
// or a token without a session, like a client_credentials token).
func (s *Service) Logout(ctx context.Context, claims *AccessClaims, scope LogoutScope, meta RequestMeta) error {
	if claims == nil || claims.SessionID == "" {
		return Errorf(CodeInvalidRequest, "This token has no session to log out of.")
	}
	switch scope {
	case LogoutSession, LogoutAll, LogoutOthers:
	case "":
		scope = LogoutSession
	default:
		return Errorf(CodeInvalidRequest, `Unknown logout scope %q: use "session", "all" or "others".`, scope)
	}
	now := s.now()
	return s.update(ctx, func(tx Tx, l *txlog) error {
		n := 0
		switch scope {
		case LogoutSession:
			sess, err := tx.LockSession(claims.SessionID)
			if err != nil {
				return err
			}
			if sess.UserID != claims.Subject {
				return Errorf(CodeNotFound, "No such session.")
			}
			if sess.EndedAt.IsZero() {
				n = 1
			}
			if err := s.endSession(tx, l, sess, now, EndLogout, meta); err != nil {
				return err
			}
		case LogoutAll, LogoutOthers:
			keep := ""
			if scope == LogoutOthers {
				keep = claims.SessionID
			}
			var err error
			if n, err = s.endUserSessions(tx, l, claims.Subject, keep, now, EndLogout, meta); err != nil {
				return err
			}
		}
		ev := s.event(now, EventLogout, OutcomeSuccess, meta)
		ev.UserID, ev.SessionID, ev.ClientID = claims.Subject, claims.SessionID, claims.ClientID
		ev.Detail = fmt.Sprintf("scope=%s ended=%d", scope, n)
		l.audit(ev)
		return nil
	})
}

// Me returns the caller's account, without its password hash. Errors:
// [CodeNotFound] if it was deleted, [CodeForbidden] if disabled.
func (s *Service) Me(ctx context.Context, claims *AccessClaims) (*User, error) {
	var u *User
	err := s.view(ctx, func(tx ReadTx) error {
		var err error
		u, err = tx.User(claims.Subject)
		return err
	})
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, Errorf(CodeForbidden, "The account is disabled.")
	}
	return publicUser(u), nil
}

// ChangePassword replaces the caller's password after checking the
// current one, and ends every other session of the user (their access
// tokens are refused at once); the caller's session lives on. Errors:
// [CodeInvalidCredentials] (wrong current password), [CodeWeakPassword],
// [CodeConflict] (the password changed meanwhile), [CodeUnavailable].
func (s *Service) ChangePassword(ctx context.Context, claims *AccessClaims, current, newPassword string, meta RequestMeta) error {
	var u *User
	if err := s.view(ctx, func(tx ReadTx) error {
		var err error
		u, err = tx.User(claims.Subject)
		return err
	}); err != nil {
		return err
	}
	ok, _, err := s.hasher.Verify(ctx, current, u.PasswordHash)
	if err != nil {
		return err
	}
	now := s.now()
	if !ok {
		ev := s.event(now, EventPasswordChange, OutcomeFailure, meta)
		ev.UserID, ev.SessionID, ev.Detail = u.ID, claims.SessionID, "reason=bad_password"
		s.recordFailure(ctx, ev)
		return &Error{Code: CodeInvalidCredentials, Message: "The current password is wrong."}
	}
	if err := s.CheckPassword(newPassword, u.Email); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(ctx, newPassword)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx, l *txlog) error {
		cur, err := tx.User(u.ID)
		if err != nil {
			return err
		}
		if cur.PasswordHash != u.PasswordHash {
			return Errorf(CodeConflict, "The password was changed meanwhile.")
		}
		cur.PasswordHash, cur.PasswordChangedAt, cur.UpdatedAt = hash, now, now
		if err := tx.UpdateUser(cur); err != nil {
			return err
		}
		n, err := s.endUserSessions(tx, l, u.ID, claims.SessionID, now, EndPasswordChange, meta)
		if err != nil {
			return err
		}
		ev := s.event(now, EventPasswordChange, OutcomeSuccess, meta)
		ev.UserID, ev.SessionID, ev.Detail = u.ID, claims.SessionID, fmt.Sprintf("ended_sessions=%d", n)
		l.audit(ev)
		return nil
	})
}

// Sessions returns the live sessions of a user, newest first.
func (s *Service) Sessions(ctx context.Context, userID string) ([]*Session, error) {
	var out []*Session
	now := s.now()
	err := s.view(ctx, func(tx ReadTx) error {
		all, err := tx.Sessions(userID)
		for _, sess := range all {
			if sess.Active(now, s.cfg.SessionIdleTTL) {
				out = append(out, sess)
			}
		}
		return err
	})
	return out, err
}

// EndSession ends one session of the caller (as in "sign out that
// device"). Errors: [CodeNotFound] if the user has no such session.
func (s *Service) EndSession(ctx context.Context, claims *AccessClaims, sessionID string, meta RequestMeta) error {
	if !validHexID(sessionID, sessionIDLen) {
		return Errorf(CodeNotFound, "No such session.")
	}
	now := s.now()
	return s.update(ctx, func(tx Tx, l *txlog) error {
		sess, err := tx.LockSession(sessionID)
		if err != nil {
			return err
		}
		if sess.UserID != claims.Subject {
			return Errorf(CodeNotFound, "No such session.")
		}
		return s.endSession(tx, l, sess, now, EndRevoked, meta)
	})
}

// ClientCredentials is the OAuth client_credentials grant ([RFC 6749,
// Section 4.4]): it checks the client's secret (SHA-256, compared in
// constant time) and returns an access token with "sub" and "client_id"
// the client ID and "scope" the requested scopes (all the client's scopes
// if none are requested), and no refresh token. Successes are logged, not
// stored, so that the grant costs no write; failures are audited. Errors:
// [CodeInvalidCredentials], [CodeInvalidScope].
//
// [RFC 6749, Section 4.4]: https://www.rfc-editor.org/rfc/rfc6749#section-4.4
func (s *Service) ClientCredentials(ctx context.Context, clientID, clientSecret string, scope []string, meta RequestMeta) (*TokenPair, error) {
	var c *Client
	err := s.view(ctx, func(tx ReadTx) error {
		var err error
		c, err = tx.Client(clientID)
		return err
	})
	if err != nil && !IsCode(err, CodeNotFound) {
		return nil, err
	}
	now := s.now()
	if !checkClientSecret(c, clientSecret) {
		ev := s.event(now, EventClientToken, OutcomeFailure, meta)
		ev.ClientID, ev.Detail = truncate(clientID, 64), "reason=bad_client"
		s.recordFailure(ctx, ev)
		return nil, &Error{Code: CodeInvalidCredentials, Message: "Wrong client ID or secret."}
	}
	granted := c.Scopes
	if len(scope) > 0 {
		for _, sc := range scope {
			if !slices.Contains(c.Scopes, sc) {
				return nil, Errorf(CodeInvalidScope, "The client may not request scope %q.", truncate(sc, 64))
			}
		}
		granted = sortedUnique(slices.Clone(scope))
	}
	st, err := s.keys.state()
	if err != nil {
		return nil, err
	}
	scopeStr := joinScope(granted)
	tok, exp, err := s.signAccess(st, c.ID, "", c.ID, scopeStr, nil, now)
	if err != nil {
		return nil, err
	}
	ev := s.event(now, EventClientToken, OutcomeSuccess, meta)
	ev.ClientID, ev.Detail = c.ID, "scope="+scopeStr
	s.logEvent(&ev)
	return &TokenPair{AccessToken: tok, TokenType: "Bearer", ExpiresIn: int(s.cfg.AccessTTL / time.Second), ExpiresAt: exp, Scope: scopeStr}, nil
}
