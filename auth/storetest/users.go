package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
)

func newUser(id, email string) *auth.User {
	return &auth.User{ID: id, Email: email, PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		Roles: []string{"admin", "dev"}, CreatedAt: base, UpdatedAt: base, PasswordChangedAt: base}
}

func testUsers(t *testing.T, s auth.Store) {
	u := newUser("u1", "Ann@example.com")
	update(t, s, func(tx auth.Tx) error { return tx.CreateUser(u) })

	// Email keys are unique case-insensitively; IDs are unique.
	err := s.Update(ctx(), func(tx auth.Tx) error { return tx.CreateUser(newUser("u2", "ann@EXAMPLE.com")) })
	wantCode(t, err, auth.CodeEmailTaken)
	err = s.Update(ctx(), func(tx auth.Tx) error { return tx.CreateUser(newUser("u1", "other@example.com")) })
	wantCode(t, err, auth.CodeConflict)

	view(t, s, func(tx auth.ReadTx) error {
		got, err := tx.User("u1")
		if err != nil {
			return err
		}
		if got.Email != u.Email || got.PasswordHash != u.PasswordHash || !slices.Equal(got.Roles, u.Roles) || got.Disabled ||
			!sameTime(got.CreatedAt, base) || !sameTime(got.UpdatedAt, base) || !sameTime(got.PasswordChangedAt, base) {
			t.Errorf("User = %+v, want %+v", got, u)
		}
		got, err = tx.UserByEmail("ANN@example.com")
		if err != nil || got.ID != "u1" {
			t.Errorf("UserByEmail = %v, %v", got, err)
		}
		_, err = tx.User("nope")
		wantCode(t, err, auth.CodeNotFound)
		_, err = tx.UserByEmail("nope@example.com")
		wantCode(t, err, auth.CodeNotFound)
		return nil
	})

	// Update every field.
	u2 := *u
	u2.Email, u2.PasswordHash, u2.Roles, u2.Disabled = "ann@example.org", "$argon2id$other", nil, true
	u2.UpdatedAt = base.Add(time.Hour)
	update(t, s, func(tx auth.Tx) error { return tx.UpdateUser(&u2) })
	view(t, s, func(tx auth.ReadTx) error {
		got, err := tx.User("u1")
		if err != nil {
			return err
		}
		if got.Email != u2.Email || got.PasswordHash != u2.PasswordHash || len(got.Roles) != 0 || !got.Disabled || !sameTime(got.UpdatedAt, u2.UpdatedAt) {
			t.Errorf("after UpdateUser: %+v", got)
		}
		_, err = tx.UserByEmail("ann@example.com")
		wantCode(t, err, auth.CodeNotFound)
		return nil
	})
	update(t, s, func(tx auth.Tx) error {
		got, err := tx.LockUser("u1")
		if err != nil || got.Email != u2.Email {
			t.Errorf("LockUser = %+v, %v", got, err)
		}
		_, err = tx.LockUser("nope")
		wantCode(t, err, auth.CodeNotFound)
		return nil
	})
	missing := newUser("zz", "zz@example.com")
	wantCode(t, s.Update(ctx(), func(tx auth.Tx) error { return tx.UpdateUser(missing) }), auth.CodeNotFound)

	// An update that takes another user's email collides.
	update(t, s, func(tx auth.Tx) error { return tx.CreateUser(newUser("u3", "bob@example.com")) })
	u3 := newUser("u3", "ANN@example.org")
	wantCode(t, s.Update(ctx(), func(tx auth.Tx) error { return tx.UpdateUser(u3) }), auth.CodeEmailTaken)

	// Delete removes the user and their sessions.
	update(t, s, func(tx auth.Tx) error { return tx.CreateSession(newSession("s1", "u1")) })
	update(t, s, func(tx auth.Tx) error { return tx.DeleteUser("u1") })
	view(t, s, func(tx auth.ReadTx) error {
		_, err := tx.User("u1")
		wantCode(t, err, auth.CodeNotFound)
		_, err = tx.Session("s1")
		wantCode(t, err, auth.CodeNotFound)
		return nil
	})
	wantCode(t, s.Update(ctx(), func(tx auth.Tx) error { return tx.DeleteUser("u1") }), auth.CodeNotFound)
}

func testUserPaging(t *testing.T, s auth.Store) {
	update(t, s, func(tx auth.Tx) error {
		for i := range 25 {
			if err := tx.CreateUser(newUser(fmt.Sprintf("u%02d", i), fmt.Sprintf("u%d@example.com", i))); err != nil {
				return err
			}
		}
		return nil
	})
	var ids []string
	after := ""
	for {
		var page []*auth.User
		view(t, s, func(tx auth.ReadTx) error {
			var err error
			page, err = tx.Users(auth.UserQuery{AfterID: after, Limit: 10})
			return err
		})
		if len(page) == 0 {
			break
		}
		if len(page) > 10 {
			t.Fatalf("page of %d users, limit 10", len(page))
		}
		for _, u := range page {
			ids = append(ids, u.ID)
		}
		after = page[len(page)-1].ID
	}
	if len(ids) != 25 || !slices.IsSorted(ids) {
		t.Errorf("paged IDs = %v", ids)
	}
	// Search: a substring of the email key (lower-cased), paged by ID.
	search := func(email string) []string {
		var ids []string
		after := ""
		for {
			var page []*auth.User
			view(t, s, func(tx auth.ReadTx) error {
				var err error
				page, err = tx.Users(auth.UserQuery{Email: email, AfterID: after, Limit: 4})
				return err
			})
			if len(page) == 0 {
				return ids
			}
			for _, u := range page {
				ids = append(ids, u.ID)
			}
			after = page[len(page)-1].ID
		}
	}
	for _, tt := range []struct {
		email string
		want  int
	}{
		{"u1", 11}, // u1@, u10@ … u19@
		{"U2", 6},  // case-insensitive: u2@, u20@ … u24@
		{"4@example", 3},
		{"@EXAMPLE.COM", 25},
		{"%", 0}, // no wildcards
		{"_", 0},
		{"nobody", 0},
	} {
		got := search(tt.email)
		if len(got) != tt.want || !slices.IsSorted(got) {
			t.Errorf("search %q: %v, want %d users in ID order", tt.email, got, tt.want)
		}
	}
}

// testConcurrentLockUser: concurrent read-modify-writes of one user under
// LockUser never lose an update.
func testConcurrentLockUser(t *testing.T, s auth.Store) {
	u := newUser("u1", "a@example.com")
	u.Roles = nil
	update(t, s, func(tx auth.Tx) error { return tx.CreateUser(u) })
	const n = 20
	concurrently(t, s, n, func(tx auth.Tx, i int) error {
		got, err := tx.LockUser("u1")
		if err != nil {
			return err
		}
		got.Roles = append(got.Roles, fmt.Sprintf("r%02d", i))
		return tx.UpdateUser(got)
	})
	view(t, s, func(tx auth.ReadTx) error {
		got, err := tx.User("u1")
		if err == nil && len(got.Roles) != n {
			t.Errorf("%d roles after %d concurrent appends: %v", len(got.Roles), n, got.Roles)
		}
		return err
	})
}

// testUserEmails: a user may change the case of their own email (same
// key); Users with a zero Limit returns up to 100; an unknown user has no
// sessions.
func testUserEmails(t *testing.T, s auth.Store) {
	update(t, s, func(tx auth.Tx) error {
		for i := range 105 {
			if err := tx.CreateUser(newUser(fmt.Sprintf("u%03d", i), fmt.Sprintf("u%d@example.com", i))); err != nil {
				return err
			}
		}
		return nil
	})
	update(t, s, func(tx auth.Tx) error {
		u, err := tx.LockUser("u007")
		if err != nil {
			return err
		}
		u.Email = "U7@Example.com"
		return tx.UpdateUser(u)
	})
	view(t, s, func(tx auth.ReadTx) error {
		u, err := tx.UserByEmail("u7@example.COM")
		if err != nil || u.ID != "u007" || u.Email != "U7@Example.com" {
			t.Errorf("UserByEmail after a change of case = %+v, %v", u, err)
		}
		all, err := tx.Users(auth.UserQuery{})
		if err != nil {
			return err
		}
		if len(all) != 100 || all[0].ID != "u000" || all[99].ID != "u099" {
			t.Errorf("Users with no limit: %d users, want the first 100", len(all))
		}
		list, err := tx.Sessions("nobody")
		if err != nil || len(list) != 0 {
			t.Errorf("Sessions of an unknown user = %v, %v; want none", list, err)
		}
		return nil
	})
	// A deleted user's email is free again.
	update(t, s, func(tx auth.Tx) error { return tx.DeleteUser("u007") })
	update(t, s, func(tx auth.Tx) error { return tx.CreateUser(newUser("v7", "u7@example.com")) })
}
