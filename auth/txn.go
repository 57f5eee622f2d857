package auth

import (
	"context"
	"log/slog"
	"time"

	"github.com/wardauth/ward/auth/revocation"
)

// txlog collects what a transaction implies beyond its own writes: audit
// events and revocations, written by [Service.update] in the same
// transaction and applied to the replica and the log after the commit.
type txlog struct {
	events []AuditEvent
	revs   []Revocation
}

func (l *txlog) audit(ev AuditEvent) { l.events = append(l.events, ev) }

func (l *txlog) revoke(r Revocation) { l.revs = append(l.revs, r) }

// update runs fn in a store transaction that also writes the events and
// revocations fn records; after the commit it applies the revocations to
// the replica, publishes them and logs the events. An error from fn or
// the store is returned, and nothing is applied.
func (s *Service) update(ctx context.Context, fn func(tx Tx, l *txlog) error) error {
	var l txlog
	err := s.store.Update(ctx, func(tx Tx) error {
		l = txlog{}
		if err := fn(tx, &l); err != nil {
			return err
		}
		for _, r := range l.revs {
			if err := tx.AddRevocation(r); err != nil {
				return err
			}
		}
		for i := range l.events {
			if err := tx.AppendAudit(&l.events[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.storeFailed(err)
		return internal("store", err)
	}
	s.applyRevocations(ctx, l.revs)
	for i := range l.events {
		s.logEvent(&l.events[i])
		s.obs.Audited(&l.events[i])
	}
	return nil
}

// view runs fn in a read-only store transaction.
func (s *Service) view(ctx context.Context, fn func(tx ReadTx) error) error {
	if err := s.store.View(ctx, fn); err != nil {
		s.storeFailed(err)
		return internal("store", err)
	}
	return nil
}

// applyRevocations applies durable revocations to the replica and
// publishes them.
func (s *Service) applyRevocations(ctx context.Context, revs []Revocation) {
	if len(revs) == 0 {
		return
	}
	s.revs.Add(revs...)
	s.obs.Revoked(revs)
	if err := s.bus.Publish(ctx, revs); err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "publishing revocations failed; other instances will load them from the store",
			slog.Int("count", len(revs)), slog.String("error", err.Error()))
	}
}

// recordFailure writes a failure event in its own transaction. A store
// error is logged (the caller is already failing with its own error).
func (s *Service) recordFailure(ctx context.Context, ev AuditEvent) {
	ev.Outcome = OutcomeFailure
	err := s.update(ctx, func(tx Tx, l *txlog) error {
		l.audit(ev)
		return nil
	})
	if err != nil {
		s.log.LogAttrs(ctx, slog.LevelError, "writing audit event failed", slog.String("type", ev.Type), slog.String("error", err.Error()))
	}
}

// logEvent writes ev to the structured log.
func (s *Service) logEvent(ev *AuditEvent) {
	level := slog.LevelInfo
	if ev.Outcome == OutcomeFailure || ev.Type == EventRefreshReuse || ev.Type == EventKeyRevoke {
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{slog.String("type", ev.Type), slog.String("outcome", ev.Outcome)}
	add := func(k, v string) {
		if v != "" {
			attrs = append(attrs, slog.String(k, v))
		}
	}
	add("user_id", ev.UserID)
	add("actor_id", ev.ActorID)
	add("session_id", ev.SessionID)
	add("client_id", ev.ClientID)
	add("ip", ev.IP)
	add("user_agent", ev.UserAgent)
	add("detail", ev.Detail)
	if ev.ID != 0 {
		attrs = append(attrs, slog.Int64("audit_id", ev.ID))
	}
	s.log.LogAttrs(context.Background(), level, "audit", attrs...)
}

// event returns an audit event of type typ at now with meta filled in.
func (s *Service) event(now time.Time, typ, outcome string, meta RequestMeta) AuditEvent {
	meta = meta.clean()
	return AuditEvent{Time: now, Type: typ, Outcome: outcome, IP: meta.IP, UserAgent: meta.UserAgent, ActorID: meta.ActorID}
}

func (m RequestMeta) clean() RequestMeta {
	m.IP = truncate(m.IP, 64)
	m.UserAgent = truncate(m.UserAgent, 256)
	m.ActorID = truncate(m.ActorID, 64)
	return m
}

// truncate cuts s to at most n bytes, at a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// endSession ends sess at now for reason, writes it, and records the
// session revocation and an audit event.
func (s *Service) endSession(tx Tx, l *txlog, sess *Session, now time.Time, reason string, meta RequestMeta) error {
	if !sess.EndedAt.IsZero() {
		return nil
	}
	sess.EndedAt, sess.EndReason = now, reason
	if err := tx.UpdateSession(sess); err != nil {
		return err
	}
	l.revoke(Revocation{Kind: RevokeSession, Subject: sess.ID, NotBefore: revocation.EndOfSecond(now), Expires: now.Add(keyLifetime), CreatedAt: now})
	ev := s.event(now, EventSessionEnd, OutcomeSuccess, meta)
	ev.UserID, ev.SessionID, ev.ClientID, ev.Detail = sess.UserID, sess.ID, sess.ClientID, "reason="+reason
	l.audit(ev)
	return nil
}

// endUserSessions ends every live session of userID except keep.
func (s *Service) endUserSessions(tx Tx, l *txlog, userID, keep string, now time.Time, reason string, meta RequestMeta) (int, error) {
	sessions, err := tx.Sessions(userID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, sess := range sessions {
		if sess.ID == keep || !sess.EndedAt.IsZero() {
			continue
		}
		// Re-read it locked: a refresh may have rotated it meanwhile.
		locked, err := tx.LockSession(sess.ID)
		if err != nil {
			return n, err
		}
		if err := s.endSession(tx, l, locked, now, reason, meta); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
