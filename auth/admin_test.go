package auth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
)

// TestAuthorizeAdmin: the admin role must be in the token and in the
// stored account, which must be enabled.
func TestAuthorizeAdmin(t *testing.T) {
	e := newEnv(t, nil)
	u := e.signup(t, "root@example.com")
	if err := e.svc.SetRoles(ctx, u.ID, []string{auth.RoleAdmin}, meta); err != nil {
		t.Fatal(err)
	}
	claims := e.authn(t, e.login(t, "root@example.com").AccessToken)
	if got, err := e.svc.AuthorizeAdmin(ctx, claims); err != nil || got.ID != u.ID || got.PasswordHash != "" {
		t.Fatalf("AuthorizeAdmin = %+v, %v", got, err)
	}
	noRole := *claims
	noRole.Roles = nil
	_, err := e.svc.AuthorizeAdmin(ctx, &noRole)
	wantCode(t, err, auth.CodeInsufficientScope)
	noSession := *claims
	noSession.SessionID = ""
	_, err = e.svc.AuthorizeAdmin(ctx, &noSession)
	wantCode(t, err, auth.CodeInsufficientScope)

	// The stored account decides, whatever the token says.
	for _, tt := range []struct {
		change func(u *auth.User)
		code   string
	}{
		{func(u *auth.User) { u.Roles = []string{"ops"} }, auth.CodeInsufficientScope},
		{func(u *auth.User) { u.Roles, u.Disabled = []string{auth.RoleAdmin}, true }, auth.CodeUnauthorized},
	} {
		err := e.db.Update(ctx, func(tx auth.Tx) error {
			u, err := tx.LockUser(u.ID)
			if err != nil {
				return err
			}
			tt.change(u)
			return tx.UpdateUser(u)
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.AuthorizeAdmin(ctx, claims)
		wantCode(t, err, tt.code)
	}
	if err := e.svc.DeleteUser(ctx, u.ID, meta); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.AuthorizeAdmin(ctx, claims)
	wantCode(t, err, auth.CodeUnauthorized)
}

// TestSearchUsersAndAuditPage: pages end with an empty cursor exactly when
// nothing follows, and the actor of an administrator's call is recorded.
func TestSearchUsersAndAuditPage(t *testing.T) {
	e := newEnv(t, nil)
	for _, email := range []string{"a@example.com", "b@example.com", "c@other.example"} {
		e.signup(t, email)
	}
	admin := meta
	admin.ActorID = "0123456789abcdef0123456789abcdef"
	users, next, err := e.svc.SearchUsers(ctx, auth.UserQuery{Email: "EXAMPLE.COM", Limit: 1})
	if err != nil || len(users) != 1 || next != users[0].ID {
		t.Fatalf("first page: %v, %q, %v", users, next, err)
	}
	users, next, err = e.svc.SearchUsers(ctx, auth.UserQuery{Email: "example.com", AfterID: next, Limit: 1})
	if err != nil || len(users) != 1 || next != "" {
		t.Fatalf("last page: %v, %q, %v", users, next, err)
	}
	if err := e.svc.DisableUser(ctx, users[0].ID, admin); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.svc.SearchUsers(ctx, auth.UserQuery{Email: strings.Repeat("a", 255)})
	wantCode(t, err, auth.CodeInvalidRequest)

	evs, cursor, err := e.svc.AuditPage(ctx, auth.AuditQuery{ActorID: admin.ActorID})
	if err != nil || cursor != 0 {
		t.Fatalf("AuditPage: %v, %d, %v", evs, cursor, err)
	}
	var types []string
	for _, ev := range evs {
		types = append(types, ev.Type)
		if ev.IP != meta.IP || ev.UserID != users[0].ID {
			t.Errorf("event %+v", ev)
		}
	}
	if len(types) == 0 || types[len(types)-1] != auth.EventUserDisable {
		t.Errorf("the administrator's events: %v", types)
	}
	evs, cursor, err = e.svc.AuditPage(ctx, auth.AuditQuery{Type: auth.EventSignup, Limit: 2})
	if err != nil || len(evs) != 2 || cursor != evs[1].ID {
		t.Fatalf("AuditPage limit 2: %d events, next %d, %v", len(evs), cursor, err)
	}
	for _, q := range []auth.AuditQuery{
		{Outcome: "maybe"},
		{BeforeID: -1},
		{Since: e.clock.Now(), Until: e.clock.Now().Add(-time.Second)},
	} {
		_, _, err := e.svc.AuditPage(ctx, q)
		wantCode(t, err, auth.CodeInvalidRequest)
	}
}
