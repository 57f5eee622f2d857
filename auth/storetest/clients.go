package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
)

// testClients: CreateClient, Client, Clients, LockClient, UpdateClient
// and DeleteClient keep every field of a client.
func testClients(t *testing.T, s auth.Store) {
	c := &auth.Client{ID: "wci_1", Name: "billing", SecretHash: bytes.Repeat([]byte{7}, 32), Scopes: []string{"read", "write"}, CreatedAt: base,
		Introspect: true, IntrospectEmail: true, Feed: true}
	update(t, s, func(tx auth.Tx) error { return tx.CreateClient(c) })
	wantCode(t, s.Update(ctx(), func(tx auth.Tx) error { return tx.CreateClient(c) }), auth.CodeConflict)
	update(t, s, func(tx auth.Tx) error {
		return tx.CreateClient(&auth.Client{ID: "wci_0", Name: "none", SecretHash: make([]byte, 32), CreatedAt: base})
	})
	view(t, s, func(tx auth.ReadTx) error {
		got, err := tx.Client("wci_1")
		if err != nil {
			return err
		}
		if got.Name != "billing" || !bytes.Equal(got.SecretHash, c.SecretHash) || !slices.Equal(got.Scopes, c.Scopes) || got.Disabled || !sameTime(got.CreatedAt, base) ||
			!got.Introspect || !got.IntrospectEmail || !got.Feed || got.PreviousSecretHash != nil || !got.PreviousSecretUntil.IsZero() || !got.UpdatedAt.IsZero() {
			t.Errorf("Client = %+v", got)
		}
		_, err = tx.Client("nope")
		wantCode(t, err, auth.CodeNotFound)
		all, err := tx.Clients()
		if err != nil {
			return err
		}
		if len(all) != 2 || all[0].ID != "wci_0" || len(all[0].Scopes) != 0 || all[0].Introspect || all[0].IntrospectEmail || all[0].Feed {
			t.Errorf("Clients = %v", all)
		}
		return nil
	})

	// UpdateClient writes every field; LockClient reads it back.
	update(t, s, func(tx auth.Tx) error {
		got, err := tx.LockClient("wci_1")
		if err != nil {
			return err
		}
		got.Name, got.Scopes, got.Disabled = "billing-2", []string{"read"}, true
		got.Introspect, got.IntrospectEmail, got.Feed = false, false, false
		got.PreviousSecretHash, got.SecretHash = got.SecretHash, bytes.Repeat([]byte{9}, 32)
		got.PreviousSecretUntil, got.UpdatedAt = base.Add(time.Hour), base.Add(time.Minute)
		return tx.UpdateClient(got)
	})
	view(t, s, func(tx auth.ReadTx) error {
		got, err := tx.Client("wci_1")
		if err != nil {
			return err
		}
		if got.Name != "billing-2" || !slices.Equal(got.Scopes, []string{"read"}) || !got.Disabled || got.Introspect || got.IntrospectEmail || got.Feed ||
			!bytes.Equal(got.SecretHash, bytes.Repeat([]byte{9}, 32)) || !bytes.Equal(got.PreviousSecretHash, c.SecretHash) ||
			!sameTime(got.PreviousSecretUntil, base.Add(time.Hour)) || !sameTime(got.UpdatedAt, base.Add(time.Minute)) || !sameTime(got.CreatedAt, base) {
			t.Errorf("after UpdateClient: %+v", got)
		}
		return nil
	})
	// Clearing the previous secret stores no hash.
	update(t, s, func(tx auth.Tx) error {
		got, err := tx.LockClient("wci_1")
		if err != nil {
			return err
		}
		got.PreviousSecretHash, got.PreviousSecretUntil = nil, time.Time{}
		return tx.UpdateClient(got)
	})
	view(t, s, func(tx auth.ReadTx) error {
		got, err := tx.Client("wci_1")
		if err == nil && (len(got.PreviousSecretHash) != 0 || !got.PreviousSecretUntil.IsZero()) {
			t.Errorf("cleared previous secret: %+v", got)
		}
		return err
	})
	wantCode(t, s.Update(ctx(), func(tx auth.Tx) error {
		_, err := tx.LockClient("nope")
		return err
	}), auth.CodeNotFound)
	wantCode(t, s.Update(ctx(), func(tx auth.Tx) error { return tx.UpdateClient(&auth.Client{ID: "nope", SecretHash: make([]byte, 32)}) }), auth.CodeNotFound)

	// DeleteClient.
	update(t, s, func(tx auth.Tx) error { return tx.DeleteClient("wci_1") })
	wantCode(t, s.Update(ctx(), func(tx auth.Tx) error { return tx.DeleteClient("wci_1") }), auth.CodeNotFound)
	view(t, s, func(tx auth.ReadTx) error {
		_, err := tx.Client("wci_1")
		wantCode(t, err, auth.CodeNotFound)
		all, err := tx.Clients()
		if err == nil && (len(all) != 1 || all[0].ID != "wci_0") {
			t.Errorf("Clients after delete = %v", all)
		}
		return err
	})
}

// testConcurrentLockClient: concurrent read-modify-writes of one client
// under LockClient never lose an update.
func testConcurrentLockClient(t *testing.T, s auth.Store) {
	update(t, s, func(tx auth.Tx) error {
		return tx.CreateClient(&auth.Client{ID: "wci_1", Name: "c", SecretHash: make([]byte, 32), CreatedAt: base})
	})
	const n = 20
	concurrently(t, s, n, func(tx auth.Tx, i int) error {
		c, err := tx.LockClient("wci_1")
		if err != nil {
			return err
		}
		c.Scopes = append(c.Scopes, fmt.Sprintf("s%02d", i))
		return tx.UpdateClient(c)
	})
	view(t, s, func(tx auth.ReadTx) error {
		c, err := tx.Client("wci_1")
		if err == nil && len(c.Scopes) != n {
			t.Errorf("%d scopes after %d concurrent appends: %v", len(c.Scopes), n, c.Scopes)
		}
		return err
	})
}
