package auth_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/jose/jwt"
)

// TestCleanupBoundaries: Service.Cleanup removes what has expired at the
// injected clock's instant and nothing else, one nanosecond either side
// of each boundary: revocations past Expires, sessions past their
// absolute lifetime, sessions ended or idle for longer than the idle
// lifetime, audit events older than the retention; with a negative
// retention, no audit event.
func TestCleanupBoundaries(t *testing.T) {
	const (
		idle      = 48 * time.Hour
		retention = 90 * 24 * time.Hour
	)
	for _, tc := range []struct {
		name      string
		retention time.Duration
	}{{"retention 90d", retention}, {"keep audit forever", -1}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *auth.Config) { c.SessionIdleTTL, c.AuditRetention = idle, tc.retention })
			now := e.clock.Now().Add(365 * 24 * time.Hour)
			sessionsBefore := now.Add(-idle)
			auditBefore := now.Add(-retention)
			ns := time.Nanosecond
			sessions := map[string]func(s *auth.Session){ // name → setup; "keep-" ones must stay
				"keep-abs-at":       func(s *auth.Session) { s.ExpiresAt = now },
				"drop-abs-past":     func(s *auth.Session) { s.ExpiresAt = now.Add(-ns) },
				"keep-ended-at":     func(s *auth.Session) { s.EndedAt = sessionsBefore },
				"drop-ended-past":   func(s *auth.Session) { s.EndedAt = sessionsBefore.Add(-ns) },
				"keep-idle-at":      func(s *auth.Session) { s.LastUsedAt = sessionsBefore },
				"drop-idle-past":    func(s *auth.Session) { s.LastUsedAt = sessionsBefore.Add(-ns) },
				"keep-live":         func(s *auth.Session) {},
				"keep-ended-recent": func(s *auth.Session) { s.EndedAt = now.Add(-time.Hour) },
			}
			revs := map[string]time.Time{"keep-exp-at": now, "keep-exp-later": now.Add(ns), "drop-exp-past": now.Add(-ns)}
			audits := map[string]time.Time{"keep-audit-at": auditBefore, "keep-audit-recent": now, "drop-audit-past": auditBefore.Add(-ns)}
			err := e.db.Update(ctx, func(tx auth.Tx) error {
				u := &auth.User{ID: "cleanupuser", Email: "cleanup@example.com", PasswordHash: "x", CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now}
				if err := tx.CreateUser(u); err != nil {
					return err
				}
				i := 0
				for name, set := range sessions {
					s := &auth.Session{ID: fmt.Sprintf("%032x", i), UserID: u.ID, ClientID: "ward", RotatedAt: now.Add(-time.Hour),
						CreatedAt: now.Add(-time.Hour), LastUsedAt: now.Add(-time.Hour), ExpiresAt: now.Add(time.Hour), UserAgent: name}
					set(s)
					i++
					if err := tx.CreateSession(s); err != nil {
						return err
					}
				}
				for name, exp := range revs {
					if err := tx.AddRevocation(auth.Revocation{Kind: auth.RevokeToken, Subject: name, NotBefore: now.Add(-time.Hour), Expires: exp, CreatedAt: now.Add(-time.Hour)}); err != nil {
						return err
					}
				}
				for name, tm := range audits {
					if err := tx.AppendAudit(&auth.AuditEvent{Time: tm, Type: auth.EventLogin, Outcome: auth.OutcomeSuccess, Detail: name}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := e.svc.Reload(ctx); err != nil { // the replica holds the revocations too
				t.Fatal(err)
			}
			e.clock.Advance(now.Sub(e.clock.Now()))
			wantAudit := 0 // audit events past the retention: ours and the keyring's of a year ago
			if tc.retention >= 0 {
				evs, err := e.svc.Audit(ctx, auth.AuditQuery{Limit: 1000})
				if err != nil {
					t.Fatal(err)
				}
				for _, ev := range evs {
					if ev.Time.Before(auditBefore) {
						wantAudit++
					}
				}
			}
			st, err := e.svc.Cleanup(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st.Sessions != 3 || st.Revocations != 1 || st.AuditEvents != int64(wantAudit) {
				t.Errorf("Cleanup = %+v, want 3 sessions, 1 revocation, %d audit events", st, wantAudit)
			}

			var left []string
			err = e.db.View(ctx, func(tx auth.ReadTx) error {
				ss, err := tx.Sessions("cleanupuser")
				for _, s := range ss {
					left = append(left, s.UserAgent)
				}
				if err != nil {
					return err
				}
				rs, _, err := tx.RevocationsSince(0)
				for _, r := range rs {
					left = append(left, r.Subject)
				}
				if err != nil {
					return err
				}
				evs, err := tx.Audit(auth.AuditQuery{Limit: 1000})
				for _, ev := range evs {
					if ev.Detail != "" {
						left = append(left, ev.Detail)
					}
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, names := range []map[string]bool{keys(sessions), keys(revs), keys(audits)} {
				for name := range names {
					kept := name[:4] == "keep" || (tc.retention < 0 && name == "drop-audit-past")
					if slices.Contains(left, name) != kept {
						t.Errorf("%s: left %v, want kept %v", name, slices.Contains(left, name), kept)
					}
				}
			}
			for _, sub := range []string{"keep-exp-at", "keep-exp-later"} {
				if err := e.svc.Revocations().Check(&jwt.Claims{ID: sub}, "", ""); err == nil {
					t.Errorf("the replica dropped %s, which has not expired", sub)
				}
			}
		})
	}
}

func keys[V any](m map[string]V) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}
