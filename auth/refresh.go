package auth

import (
	"context"
	"fmt"
	"time"
)

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
	if pair, ok, err := s.rotate(ctx, rt, now, meta); ok || err != nil {
		return pair, err
	}
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

// rotate is the common case of a refresh, the current token of a live
// session, as one compare-and-swap where the store offers it
// ([SessionRotator]); ok false sends the refresh down the general path,
// which also gives every failure its answer and audit event.
func (s *Service) rotate(ctx context.Context, rt refreshToken, now time.Time, meta RequestMeta) (*TokenPair, bool, error) {
	rot, ok := s.store.(SessionRotator)
	if !ok {
		return nil, false, nil
	}
	ev := s.event(now, EventRefresh, OutcomeSuccess, meta)
	ev.Detail = fmt.Sprintf("counter=%d", rt.counter+1)
	r := SessionRotation{ID: rt.sessionID, Expect: rt.counter, Now: now, Event: &ev}
	if idle := s.cfg.SessionIdleTTL; idle > 0 {
		r.IdleBefore = now.Add(-idle)
	}
	sess, user, ok, err := rot.RotateSession(ctx, r)
	if err != nil {
		s.storeFailed(err)
		return nil, false, internal("store", err)
	}
	if !ok {
		return nil, false, nil
	}
	s.logEvent(&ev)
	s.obs.Audited(&ev)
	pair, err := s.tokenPair(user, sess, now)
	return pair, true, err
}
