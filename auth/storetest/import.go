package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
)

// testImport: a store whose Tx is an [auth.Importer] stores imported
// users and sessions with every field, keeps the Seq of
// imported revocations and the IDs of imported audit events, gives later
// ones greater numbers than every imported one and than the high-water
// mark passed in, and refuses to import into a non-empty aggregate.
func testImport(t *testing.T, s auth.Store) {
	var imp bool
	view(t, s, func(tx auth.ReadTx) error { _, imp = tx.(auth.SeqReader); return nil })
	update(t, s, func(tx auth.Tx) error {
		_, ok := tx.(auth.Importer)
		imp = imp && ok
		return nil
	})
	if !imp {
		t.Skip("the store does not implement auth.Importer")
	}
	h := time.Hour
	revs := []auth.Revocation{
		{Seq: 3, Kind: auth.RevokeToken, Subject: "jti1", NotBefore: base, Expires: base.Add(h), CreatedAt: base},
		{Seq: 9, Kind: auth.RevokeUser, Subject: "u1", NotBefore: base, Expires: base.Add(h), CreatedAt: base},
	}
	evs := []auth.AuditEvent{
		{ID: 5, Time: base, Type: auth.EventLogin, Outcome: auth.OutcomeSuccess, UserID: "u1", IP: "192.0.2.1"},
		{ID: 40, Time: base.Add(time.Second), Type: auth.EventLogout, Outcome: auth.OutcomeSuccess, UserID: "u1"},
	}
	users := []*auth.User{newUser("u1", "Ann@example.com"), newUser("u2", "bob@example.com")}
	sessions := []*auth.Session{
		{ID: "s1", UserID: "u1", ClientID: "c1", Counter: 7, RotatedAt: base, CreatedAt: base, LastUsedAt: base, ExpiresAt: base.Add(h), IP: "192.0.2.1", UserAgent: "ua"},
		{ID: "s2", UserID: "u2", CreatedAt: base, LastUsedAt: base, ExpiresAt: base.Add(h), EndedAt: base, EndReason: auth.EndLogout},
	}
	update(t, s, func(tx auth.Tx) error {
		imp := tx.(auth.Importer)
		if err := imp.ImportUsers(slices.Values(users)); err != nil {
			return err
		}
		if err := imp.ImportSessions(slices.Values(sessions)); err != nil {
			return err
		}
		if err := imp.ImportAudit(slices.Values(evs)); err != nil {
			return err
		}
		return imp.ImportRevocations(slices.Values(revs), 20) // rows 10 to 20 were deleted
	})
	view(t, s, func(tx auth.ReadTx) error {
		got, last, err := tx.RevocationsSince(0)
		if err != nil {
			return err
		}
		if len(got) != 2 || got[0].Seq != 3 || got[1].Seq != 9 || last != 9 || got[1].Subject != "u1" || !got[1].NotBefore.Equal(base) {
			t.Errorf("RevocationsSince(0) = %+v, %d", got, last)
		}
		if u, err := tx.UserByEmail("ann@example.com"); err != nil || u.ID != "u1" || u.PasswordHash != users[0].PasswordHash || len(u.Roles) != 2 {
			t.Errorf("UserByEmail after ImportUsers = %+v, %v", u, err)
		}
		if x, err := tx.Session("s1"); err != nil || x.Counter != 7 || !x.RotatedAt.Equal(base) || x.ClientID != "c1" || x.IP != "192.0.2.1" {
			t.Errorf("Session after ImportSessions = %+v, %v", x, err)
		}
		if x, err := tx.Session("s2"); err != nil || !x.EndedAt.Equal(base) || x.EndReason != auth.EndLogout {
			t.Errorf("Session after ImportSessions = %+v, %v", x, err)
		}
		seq, err := tx.(auth.SeqReader).RevocationSeq()
		if err != nil || seq != 20 {
			t.Errorf("RevocationSeq() = %d, %v; want 20", seq, err)
		}
		ev, err := tx.Audit(auth.AuditQuery{})
		if err != nil {
			return err
		}
		if len(ev) != 2 || ev[0].ID != 40 || ev[1].ID != 5 || ev[1].IP != "192.0.2.1" || !ev[1].Time.Equal(base) {
			t.Errorf("Audit = %+v", ev)
		}
		return nil
	})
	update(t, s, func(tx auth.Tx) error {
		if err := tx.AddRevocation(auth.Revocation{Kind: auth.RevokeSession, Subject: "s1", NotBefore: base, Expires: base.Add(h), CreatedAt: base}); err != nil {
			return err
		}
		return tx.AppendAudit(&auth.AuditEvent{Time: base, Type: auth.EventLogin, Outcome: auth.OutcomeSuccess})
	})
	view(t, s, func(tx auth.ReadTx) error {
		got, _, err := tx.RevocationsSince(9)
		if err != nil {
			return err
		}
		if len(got) != 1 || got[0].Seq <= 20 {
			t.Errorf("a revocation added after the import: %+v, want Seq > 20", got)
		}
		ev, err := tx.Audit(auth.AuditQuery{Limit: 1})
		if err != nil {
			return err
		}
		if len(ev) != 1 || ev[0].ID <= 40 {
			t.Errorf("an event appended after the import: %+v, want ID > 40", ev)
		}
		return nil
	})
	// Importing into an aggregate that has rows is refused.
	err := s.Update(ctx(), func(tx auth.Tx) error {
		return tx.(auth.Importer).ImportUsers(slices.Values([]*auth.User{newUser("u3", "cat@example.com")}))
	})
	if auth.ErrorCode(err) != auth.CodeConflict {
		t.Errorf("ImportUsers into non-empty users = %v, want %s", err, auth.CodeConflict)
	}
	err = s.Update(ctx(), func(tx auth.Tx) error {
		return tx.(auth.Importer).ImportSessions(slices.Values([]*auth.Session{{ID: "s3", UserID: "u1", CreatedAt: base, ExpiresAt: base}}))
	})
	if auth.ErrorCode(err) != auth.CodeConflict {
		t.Errorf("ImportSessions into non-empty sessions = %v, want %s", err, auth.CodeConflict)
	}
	err = s.Update(ctx(), func(tx auth.Tx) error { return tx.(auth.Importer).ImportAudit(slices.Values(evs)) })
	if auth.ErrorCode(err) != auth.CodeConflict {
		t.Errorf("ImportAudit into a non-empty log = %v, want %s", err, auth.CodeConflict)
	}
	err = s.Update(ctx(), func(tx auth.Tx) error { return tx.(auth.Importer).ImportRevocations(slices.Values(revs), 0) })
	if auth.ErrorCode(err) != auth.CodeConflict {
		t.Errorf("ImportRevocations into non-empty revocations = %v, want %s", err, auth.CodeConflict)
	}
}
