package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
)

func testAudit(t *testing.T, s auth.Store) {
	var appended []*auth.AuditEvent
	update(t, s, func(tx auth.Tx) error {
		appended = appended[:0]
		for i := range 30 {
			ev := &auth.AuditEvent{Time: base.Add(time.Duration(i) * time.Minute), Type: auth.EventLogin, Outcome: auth.OutcomeSuccess,
				UserID: fmt.Sprintf("u%d", i%3), SessionID: "s", ClientID: "c", IP: "192.0.2.1", UserAgent: "ua", Detail: fmt.Sprint(i)}
			if i%5 == 0 {
				ev.Type = auth.EventLogout
			}
			if i%4 == 0 {
				ev.Outcome = auth.OutcomeFailure
			}
			if i%6 == 0 {
				ev.ActorID = "admin1"
			}
			if err := tx.AppendAudit(ev); err != nil {
				return err
			}
			appended = append(appended, ev)
		}
		return nil
	})
	for _, ev := range appended {
		if ev.ID == 0 { // a store may assign it as late as the commit
			t.Errorf("AppendAudit assigned no ID by the end of Update")
		}
	}
	q := func(q auth.AuditQuery) []auth.AuditEvent {
		var evs []auth.AuditEvent
		view(t, s, func(tx auth.ReadTx) error {
			var err error
			evs, err = tx.Audit(q)
			return err
		})
		return evs
	}
	all := q(auth.AuditQuery{Limit: 1000})
	if len(all) != 30 || all[0].Detail != "29" || all[29].Detail != "0" {
		t.Fatalf("Audit: %d events, want 30 newest first", len(all))
	}
	e := all[0]
	if e.UserID != "u2" || e.SessionID != "s" || e.ClientID != "c" || e.IP != "192.0.2.1" || e.UserAgent != "ua" || !sameTime(e.Time, base.Add(29*time.Minute)) ||
		e.Outcome != auth.OutcomeSuccess || e.ActorID != "" {
		t.Errorf("event = %+v", e)
	}
	if e := all[5]; e.Detail != "24" || e.ActorID != "admin1" || e.Outcome != auth.OutcomeFailure {
		t.Errorf("event = %+v", e)
	}
	// Paging.
	var paged []string
	before := int64(0)
	for {
		page := q(auth.AuditQuery{BeforeID: before, Limit: 7})
		if len(page) == 0 {
			break
		}
		for _, ev := range page {
			paged = append(paged, ev.Detail)
		}
		before = page[len(page)-1].ID
	}
	if len(paged) != 30 || paged[0] != "29" || paged[29] != "0" {
		t.Errorf("paged = %v", paged)
	}
	if n := len(q(auth.AuditQuery{UserID: "u1", Limit: 100})); n != 10 {
		t.Errorf("by user: %d, want 10", n)
	}
	if n := len(q(auth.AuditQuery{Type: auth.EventLogout, Limit: 100})); n != 6 {
		t.Errorf("by type: %d, want 6", n)
	}
	got := q(auth.AuditQuery{Since: base.Add(10 * time.Minute), Until: base.Add(20 * time.Minute), Limit: 100})
	if len(got) != 10 || got[0].Detail != "19" || got[9].Detail != "10" {
		t.Errorf("time range: %d events", len(got))
	}
	far := time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC)
	if n := len(q(auth.AuditQuery{Since: far.AddDate(-2000, 0, 0), Until: far, Limit: 100})); n != 30 {
		t.Errorf("time range 999 to 2999: %d events, want 30", n)
	}
	if n := len(q(auth.AuditQuery{Since: far, Limit: 100})); n != 0 {
		t.Errorf("since 2999: %d events, want 0", n)
	}
	if n := len(q(auth.AuditQuery{UserID: "u0", Type: auth.EventLogout, Limit: 100})); n != 2 {
		t.Errorf("user and type: %d, want 2", n) // i = 0, 15
	}
	if n := len(q(auth.AuditQuery{Outcome: auth.OutcomeFailure, Limit: 100})); n != 8 {
		t.Errorf("by outcome: %d, want 8", n) // i = 0, 4, … 28
	}
	if n := len(q(auth.AuditQuery{Outcome: auth.OutcomeSuccess, Limit: 100})); n != 22 {
		t.Errorf("by outcome: %d, want 22", n)
	}
	if n := len(q(auth.AuditQuery{ActorID: "admin1", Limit: 100})); n != 5 {
		t.Errorf("by actor: %d, want 5", n) // i = 0, 6, … 24
	}
	if n := len(q(auth.AuditQuery{ActorID: "admin1", Outcome: auth.OutcomeFailure, UserID: "u0", Limit: 100})); n != 3 {
		t.Errorf("actor, outcome and user: %d, want 3", n) // i = 0, 12, 24
	}

	// Paging while events arrive: each page is read after more events
	// were appended, and the pages still hold exactly the 30 events that
	// existed when paging began, in order, none twice.
	var stable []string
	before = 0
	for added := 0; ; added++ {
		page := q(auth.AuditQuery{BeforeID: before, Limit: 4})
		if len(page) == 0 {
			break
		}
		for _, ev := range page {
			stable = append(stable, ev.Detail)
		}
		before = page[len(page)-1].ID
		update(t, s, func(tx auth.Tx) error {
			for range 3 {
				if err := tx.AppendAudit(&auth.AuditEvent{Time: base, Type: auth.EventLogin, Outcome: auth.OutcomeSuccess, Detail: fmt.Sprint("new", added)}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if !slices.Equal(stable, paged) {
		t.Errorf("paged while events arrived: %v, want %v", stable, paged)
	}
}

// testAuditAppendAndDelete: concurrent appends all land with distinct IDs;
// a zero Limit returns 100; DeleteAuditBefore deletes exactly the events
// before its instant.
func testAuditAppendAndDelete(t *testing.T, s auth.Store) {
	const n = 120
	concurrently(t, s, n, func(tx auth.Tx, i int) error {
		return tx.AppendAudit(&auth.AuditEvent{Time: base.Add(time.Duration(i) * time.Second), Type: auth.EventLogin, Outcome: auth.OutcomeSuccess, Detail: fmt.Sprint(i)})
	})
	var all []auth.AuditEvent
	view(t, s, func(tx auth.ReadTx) error {
		var err error
		all, err = tx.Audit(auth.AuditQuery{Limit: 1000})
		if err != nil {
			return err
		}
		page, err := tx.Audit(auth.AuditQuery{})
		if err == nil && (len(page) != 100 || page[0].ID != all[0].ID) {
			t.Errorf("Audit with no limit: %d events, want the newest 100", len(page))
		}
		return err
	})
	ids := map[int64]bool{}
	for i, ev := range all {
		if ids[ev.ID] || (i > 0 && ev.ID >= all[i-1].ID) {
			t.Fatalf("audit IDs not distinct and decreasing: %d after %d", ev.ID, all[i-1].ID)
		}
		ids[ev.ID] = true
	}
	if len(all) != n {
		t.Fatalf("%d events after %d concurrent appends", len(all), n)
	}
	var deleted int64
	update(t, s, func(tx auth.Tx) error {
		var err error
		deleted, err = tx.DeleteAuditBefore(base.Add(30 * time.Second))
		return err
	})
	view(t, s, func(tx auth.ReadTx) error {
		left, err := tx.Audit(auth.AuditQuery{Limit: 1000})
		if err == nil && (deleted != 30 || len(left) != n-30) {
			t.Errorf("DeleteAuditBefore deleted %d and left %d, want 30 and %d", deleted, len(left), n-30)
		}
		return err
	})
}
