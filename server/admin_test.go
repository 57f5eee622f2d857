package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/server"
)

// admin signs up email, gives it the admin role and logs in: it returns
// the user ID and an access token.
func (e *env) admin(email string) (string, string) {
	e.t.Helper()
	id := e.signup(email)
	if err := e.svc.SetRoles(context.Background(), id, []string{auth.RoleAdmin}, auth.RequestMeta{}); err != nil {
		e.t.Fatal(err)
	}
	return id, e.login(email, testPassword).access
}

// adminRoutes lists every route of the admin API with a request that an
// administrator could send.
func adminRoutes(userID, clientID, kid string) []struct {
	method, path string
	body         any
} {
	return []struct {
		method, path string
		body         any
	}{
		{"GET", "/v1/admin/users", nil},
		{"POST", "/v1/admin/users", map[string]any{"email": "new@example.com", "password": testPassword, "roles": []string{"admin"}}},
		{"GET", "/v1/admin/users/" + userID, nil},
		{"DELETE", "/v1/admin/users/" + userID, nil},
		{"POST", "/v1/admin/users/" + userID + "/roles", map[string]any{"roles": []string{"admin"}}},
		{"POST", "/v1/admin/users/" + userID + "/disable", nil},
		{"POST", "/v1/admin/users/" + userID + "/enable", nil},
		{"POST", "/v1/admin/users/" + userID + "/password", map[string]string{"password": newPassword}},
		{"DELETE", "/v1/admin/users/" + userID + "/sessions", nil},
		{"GET", "/v1/admin/clients", nil},
		{"POST", "/v1/admin/clients", map[string]any{"name": "new", "scopes": []string{"a"}, "introspect": true}},
		{"POST", "/v1/admin/clients/" + clientID + "/disable", nil},
		{"POST", "/v1/admin/clients/" + clientID + "/enable", nil},
		{"POST", "/v1/admin/clients/" + clientID + "/secret", map[string]string{"overlap": "1h"}},
		{"DELETE", "/v1/admin/clients/" + clientID, nil},
		{"GET", "/v1/admin/keys", nil},
		{"POST", "/v1/admin/keys/rotate", nil},
		{"POST", "/v1/admin/keys/" + kid + "/revoke", nil},
		{"GET", "/v1/admin/audit", nil},
	}
}

// TestAdminForbidden: every admin route answers a request without a token
// 401 with a bare challenge, and a non-admin's token (or a client's) 403
// insufficient_scope ([RFC 6750, Section 3.1]); nothing changes.
func TestAdminForbidden(t *testing.T) {
	e := newEnv(t)
	userID := e.signup("user@example.com")
	tok := e.login("user@example.com", testPassword).access
	cid, secret := e.addClient("reports")
	r := e.do("POST", "/oauth2/token", formOf(map[string]string{"grant_type": "client_credentials"}), basic(cid, secret)...)
	expectStatus(t, r, http.StatusOK)
	clientTok := r.str(t, "access_token")
	kid := e.svc.ActiveKeyID()
	events := e.auditCount()

	for _, rt := range adminRoutes(userID, cid, kid) {
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			r := e.do(rt.method, rt.path, rt.body)
			expectStatus(t, r, http.StatusUnauthorized)
			if got := r.header.Get("WWW-Authenticate"); got != `Bearer realm="ward"` {
				t.Errorf("no token: WWW-Authenticate %q", got)
			}
			r = e.do(rt.method, rt.path, rt.body, bearer("not.a.token")...)
			expectStatus(t, r, http.StatusUnauthorized)
			if got := r.header.Get("WWW-Authenticate"); !strings.Contains(got, `error="invalid_token"`) {
				t.Errorf("bad token: WWW-Authenticate %q", got)
			}

			r = e.do(rt.method, rt.path, rt.body, bearer(tok)...)
			expectStatus(t, r, http.StatusForbidden)
			if code := r.errorCode(t); code != auth.CodeInsufficientScope {
				t.Errorf("non-admin: code %q, want insufficient_scope", code)
			}
			if got := r.header.Get("WWW-Authenticate"); !strings.Contains(got, `error="insufficient_scope"`) {
				t.Errorf("non-admin: WWW-Authenticate %q", got)
			}

			r = e.do(rt.method, rt.path, rt.body, bearer(clientTok)...)
			expectStatus(t, r, http.StatusForbidden)
			if got := r.header.Get("WWW-Authenticate"); !strings.Contains(got, `error="insufficient_scope"`) {
				t.Errorf("client token: WWW-Authenticate %q", got)
			}
		})
	}
	// Nothing changed: the user is still there, enabled, without roles,
	// with a working token; the key is still active; no event was
	// written.
	u, err := e.svc.User(context.Background(), userID)
	if err != nil || u.Disabled || len(u.Roles) != 0 {
		t.Fatalf("user after refused admin calls: %+v, %v", u, err)
	}
	expectStatus(t, e.do("GET", "/v1/me", nil, bearer(tok)...), http.StatusOK)
	if cs, err := e.svc.Clients(context.Background()); err != nil || len(cs) != 1 || cs[0].Disabled {
		t.Fatalf("clients after refused admin calls: %v, %v", cs, err)
	}
	e.expectClientToken(clientTok, true)
	e.clientToken(cid, secret)
	if e.svc.ActiveKeyID() != kid || e.userCount() != 1 {
		t.Error("a refused admin call changed the keys or the users")
	}
	if n := e.auditCount(); n != events {
		t.Errorf("refused admin calls wrote %d audit events", n-events)
	}
}

// auditEvents returns the events of GET /v1/admin/audit with the query q,
// following every "next" cursor.
func (e *env) auditEvents(tok string, q url.Values) []map[string]any {
	e.t.Helper()
	var out []map[string]any
	for {
		r := e.do("GET", "/v1/admin/audit?"+q.Encode(), nil, bearer(tok)...)
		expectStatus(e.t, r, http.StatusOK)
		m := r.json(e.t)
		for _, ev := range m["events"].([]any) {
			out = append(out, ev.(map[string]any))
		}
		next, _ := m["next"].(string)
		if next == "" {
			return out
		}
		q.Set("cursor", next)
	}
}

// TestAdminUserActions: each admin action on a user works, revokes the
// user's live access token at once where it changes their access, and is
// audited with the administrator as actor and their address.
func TestAdminUserActions(t *testing.T) {
	e := newEnv(t)
	adminID, adm := e.admin("root@example.com")
	const email = "victim@example.com"

	r := e.do("POST", "/v1/admin/users", map[string]any{"email": email, "password": testPassword, "roles": []string{"ops", "dev"}}, bearer(adm)...)
	expectStatus(t, r, http.StatusCreated)
	victim := r.str(t, "id")
	if got := r.json(t)["roles"]; fmt.Sprint(got) != "[dev ops]" || r.json(t)["disabled"] != false {
		t.Fatalf("created %s", r.body)
	}
	if r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("admin response Cache-Control %q", r.header.Get("Cache-Control"))
	}
	expectStatus(t, e.do("POST", "/v1/admin/users", map[string]any{"email": email, "password": testPassword}, bearer(adm)...), http.StatusConflict)
	r = e.do("POST", "/v1/admin/users", map[string]any{"email": "weak@example.com", "password": "short"}, bearer(adm)...)
	expectStatus(t, r, http.StatusUnprocessableEntity)
	r = e.do("GET", "/v1/admin/users/"+victim, nil, bearer(adm)...)
	expectStatus(t, r, http.StatusOK)
	if r.str(t, "email") != email || strings.Contains(string(r.body), "argon2") {
		t.Fatalf("GET user: %s", r.body)
	}

	// revoked logs the victim in, runs an admin action, and checks that
	// the access token from before it is refused at once.
	revoked := func(name string, action func() *response, wantStatus int) {
		t.Helper()
		tok := e.login(email, testPassword).access
		expectStatus(t, e.do("GET", "/v1/me", nil, bearer(tok)...), http.StatusOK)
		expectStatus(t, action(), wantStatus)
		r := e.do("GET", "/v1/me", nil, bearer(tok)...)
		if r.status != http.StatusUnauthorized || r.errorCode(t) != auth.CodeInvalidToken {
			t.Errorf("%s: the user's token got %d %s at /v1/me, want 401 invalid_token", name, r.status, r.body)
		}
	}
	revoked("set roles", func() *response {
		return e.do("POST", "/v1/admin/users/"+victim+"/roles", map[string]any{"roles": []string{"ops"}}, bearer(adm)...)
	}, http.StatusOK)
	revoked("disable", func() *response {
		return e.do("POST", "/v1/admin/users/"+victim+"/disable", nil, bearer(adm)...)
	}, http.StatusOK)
	r = e.do("POST", "/v1/auth/login", map[string]string{"email": email, "password": testPassword})
	expectStatus(t, r, http.StatusUnauthorized)
	r = e.do("POST", "/v1/admin/users/"+victim+"/enable", map[string]any{}, bearer(adm)...)
	expectStatus(t, r, http.StatusOK)
	if r.json(t)["disabled"] != false {
		t.Fatalf("enable answered %s", r.body)
	}
	revoked("end sessions", func() *response {
		return e.do("DELETE", "/v1/admin/users/"+victim+"/sessions", nil, bearer(adm)...)
	}, http.StatusNoContent)
	revoked("reset password", func() *response {
		return e.do("POST", "/v1/admin/users/"+victim+"/password", map[string]string{"password": newPassword}, bearer(adm)...)
	}, http.StatusNoContent)
	expectStatus(t, e.do("POST", "/v1/auth/login", map[string]string{"email": email, "password": testPassword}), http.StatusUnauthorized)
	r = e.do("POST", "/v1/admin/users/"+victim+"/password", map[string]string{"password": testPassword}, bearer(adm)...)
	expectStatus(t, r, http.StatusNoContent)
	revoked("delete", func() *response {
		return e.do("DELETE", "/v1/admin/users/"+victim, nil, bearer(adm)...)
	}, http.StatusNoContent)
	expectStatus(t, e.do("GET", "/v1/admin/users/"+victim, nil, bearer(adm)...), http.StatusNotFound)
	expectStatus(t, e.do("DELETE", "/v1/admin/users/"+victim, nil, bearer(adm)...), http.StatusNotFound)
	expectStatus(t, e.do("POST", "/v1/admin/users/"+victim+"/disable", nil, bearer(adm)...), http.StatusNotFound)

	// Every action is in the audit log with the administrator as actor,
	// their address, and the user it was about.
	evs := e.auditEvents(adm, url.Values{"actor": {adminID}, "limit": {"2"}})
	var got []string
	for _, ev := range evs {
		if ev["ip"] != "127.0.0.1" || ev["actor_id"] != adminID || ev["user_id"] != victim {
			t.Errorf("event %v: want actor %s at 127.0.0.1 about %s", ev, adminID, victim)
		}
		if ev["type"] == auth.EventSessionEnd {
			continue // one per ended session, besides the action's own
		}
		got = append(got, ev["type"].(string))
	}
	want := []string{"user_delete", "password_change", "password_change", "revoke", "user_enable", "user_disable", "user_roles", "user_add"}
	if !slices.Equal(got, want) {
		t.Errorf("admin events, newest first: %v, want %v", got, want)
	}
	// The victim's events: their logins, and the admin actions.
	evs = e.auditEvents(adm, url.Values{"user": {victim}, "type": {"login"}, "outcome": {"failure"}})
	if len(evs) != 2 {
		t.Errorf("%d failed logins of the victim, want 2 (disabled, old password)", len(evs))
	}
}

// TestAdminDemoted: an administrator whose role is taken away cannot act
// with a token issued before: the change of roles revoked it, and the
// role is read from the store on every admin request besides.
func TestAdminDemoted(t *testing.T) {
	e := newEnv(t)
	_, root := e.admin("root@example.com")
	bobID, bob := e.admin("bob@example.com")
	expectStatus(t, e.do("GET", "/v1/admin/users", nil, bearer(bob)...), http.StatusOK)
	r := e.do("POST", "/v1/admin/users/"+bobID+"/roles", map[string]any{"roles": []string{}}, bearer(root)...)
	expectStatus(t, r, http.StatusOK)
	r = e.do("GET", "/v1/admin/users", nil, bearer(bob)...)
	if r.status != http.StatusUnauthorized || r.errorCode(t) != auth.CodeInvalidToken {
		t.Fatalf("demoted admin's old token: %d %s, want 401 invalid_token", r.status, r.body)
	}

	// A change written to the store by another instance, not yet in this
	// server's revocation replica: the store is read on every request.
	_, carol := e.admin("carol@example.com")
	change := func(fn func(u *auth.User)) {
		t.Helper()
		err := e.db.Update(context.Background(), func(tx auth.Tx) error {
			u, err := tx.UserByEmail("carol@example.com")
			if err != nil {
				return err
			}
			fn(u)
			return tx.UpdateUser(u)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	expectStatus(t, e.do("GET", "/v1/admin/keys", nil, bearer(carol)...), http.StatusOK)
	change(func(u *auth.User) { u.Roles = []string{"ops"} })
	r = e.do("GET", "/v1/admin/keys", nil, bearer(carol)...)
	if r.status != http.StatusForbidden || r.errorCode(t) != auth.CodeInsufficientScope {
		t.Errorf("admin demoted in the store: %d %s, want 403 insufficient_scope", r.status, r.body)
	}
	change(func(u *auth.User) { u.Roles, u.Disabled = []string{auth.RoleAdmin}, true })
	r = e.do("GET", "/v1/admin/keys", nil, bearer(carol)...)
	if r.status != http.StatusUnauthorized || r.errorCode(t) != auth.CodeInvalidToken {
		t.Errorf("admin disabled in the store: %d %s, want 401 invalid_token", r.status, r.body)
	}
}

// TestAdminUserList: paging by a stable cursor, search by a part of the
// email address, and strict query parameters.
func TestAdminUserList(t *testing.T) {
	e := newEnv(t)
	_, adm := e.admin("root@example.com")
	now := e.clock.Now()
	err := e.db.Update(context.Background(), func(tx auth.Tx) error {
		for i := range 24 {
			email := fmt.Sprintf("member%02d@example.com", i)
			if i%4 == 0 {
				email = fmt.Sprintf("Staff%02d@Corp.example", i)
			}
			u := &auth.User{ID: fmt.Sprintf("%032x", i+1), Email: email, PasswordHash: "x", CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now}
			if err := tx.CreateUser(u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	late := 0
	list := func(q url.Values) (emails []string, pages int) {
		t.Helper()
		for {
			r := e.do("GET", "/v1/admin/users?"+q.Encode(), nil, bearer(adm)...)
			expectStatus(t, r, http.StatusOK)
			m := r.json(t)
			pages++
			for _, u := range m["users"].([]any) {
				emails = append(emails, u.(map[string]any)["email"].(string))
			}
			next, _ := m["next"].(string)
			if next == "" {
				return emails, pages
			}
			q.Set("cursor", next)
			// A user created between pages never repeats one or
			// shifts the next page.
			late++
			e.signup(fmt.Sprintf("late%d@example.com", late))
		}
	}
	all, pages := list(url.Values{"limit": {"10"}})
	seen := map[string]bool{}
	for _, e := range all {
		seen[e] = true
	}
	if len(all) < 25 || pages < 3 || len(seen) != len(all) {
		t.Errorf("listed %d users in %d pages: %v", len(all), pages, all)
	}
	staff, _ := list(url.Values{"search": {"staff"}, "limit": {"2"}})
	if len(staff) != 6 || !strings.HasPrefix(staff[0], "Staff00@") {
		t.Errorf("search staff: %v", staff)
	}
	corp, _ := list(url.Values{"search": {"@CORP.EXAMPLE"}})
	if len(corp) != 6 {
		t.Errorf("search @CORP.EXAMPLE: %v", corp)
	}
	if got, _ := list(url.Values{"search": {"%"}}); len(got) != 0 {
		t.Errorf("search %%: %v", got)
	}
	r := e.do("GET", "/v1/admin/users?limit=3", nil, bearer(adm)...)
	if m := r.json(t); len(m["users"].([]any)) != 3 || m["next"] == nil {
		t.Errorf("limit=3: %s", r.body)
	}
	for _, q := range []string{"limit=0", "limit=1001", "limit=x", "limit=1&limit=2", "sort=email", "search=" + strings.Repeat("a", 300)} {
		r := e.do("GET", "/v1/admin/users?"+q, nil, bearer(adm)...)
		if r.status != http.StatusBadRequest || r.errorCode(t) != auth.CodeInvalidRequest {
			t.Errorf("?%s: %d %s, want 400 invalid_request", q, r.status, r.body)
		}
	}
}

// TestAdminStrictInput: admin requests are read like every other JSON
// body: Content-Type, unknown and repeated members, wrong types, size.
func TestAdminStrictInput(t *testing.T) {
	e := newEnv(t, envOptions{server: func(c *server.Config) { c.MaxJSONBody = 1 << 10 }})
	_, adm := e.admin("root@example.com")
	id := e.signup("user@example.com")
	for _, tt := range []struct {
		path, body, ct string
		status         int
	}{
		{"/v1/admin/users", `{"email":"a@example.com","password":"` + testPassword + `","admin":true}`, "application/json", 400},
		{"/v1/admin/users", `{"email":"a@example.com","email":"b@example.com","password":"` + testPassword + `"}`, "application/json", 400},
		{"/v1/admin/users", `{"email":"a@example.com","password":"` + testPassword + `","roles":"admin"}`, "application/json", 400},
		{"/v1/admin/users", `{"email":"a@example.com","password":"` + testPassword + `","roles":["bad role"]}`, "application/json", 400},
		{"/v1/admin/users", `email=a@example.com`, "application/x-www-form-urlencoded", 415},
		{"/v1/admin/users", `{"email":"` + strings.Repeat("a", 2000) + `"}`, "application/json", 413},
		{"/v1/admin/users/" + id + "/roles", `{}`, "application/json", 400},
		{"/v1/admin/users/" + id + "/roles", `{"roles":null}`, "application/json", 400},
		{"/v1/admin/users/" + id + "/disable", `{"now":true}`, "application/json", 400},
		{"/v1/admin/users/" + id + "/password", `{"password":"short"}`, "application/json", 422},
		{"/v1/admin/keys/rotate", `[]`, "application/json", 400},
	} {
		r := e.do("POST", tt.path, tt.body, append(bearer(adm), "Content-Type", tt.ct)...)
		if r.status != tt.status {
			t.Errorf("POST %s %.60s: %d %s, want %d", tt.path, tt.body, r.status, r.body, tt.status)
		}
	}
	u, err := e.svc.User(context.Background(), id)
	if err != nil || u.Disabled || len(u.Roles) != 0 || e.userCount() != 2 {
		t.Errorf("refused requests changed something: %+v %v", u, err)
	}
}

// TestAdminKeysAndClients: list, rotate and revoke keys; list clients.
func TestAdminKeysAndClients(t *testing.T) {
	e := newEnv(t)
	adminID, adm := e.admin("root@example.com")
	r := e.do("GET", "/v1/admin/keys", nil, bearer(adm)...)
	expectStatus(t, r, http.StatusOK)
	keys := r.json(t)["keys"].([]any)
	states := map[string]string{}
	for _, k := range keys {
		k := k.(map[string]any)
		states[k["state"].(string)] = k["kid"].(string)
		if _, ok := k["d"]; ok {
			t.Fatal("a key listing shows a private key")
		}
	}
	active, next := states[auth.KeyActive], states[auth.KeyNext]
	if active == "" || next == "" {
		t.Fatalf("keys: %s", r.body)
	}

	// The next key was made just now: the rotation is scheduled.
	r = e.do("POST", "/v1/admin/keys/rotate", nil, bearer(adm)...)
	expectStatus(t, r, http.StatusOK)
	if m := r.json(t); m["rotated"] != false || m["active_kid"] != active || m["next_kid"] != next || m["activate_at"] == nil {
		t.Fatalf("rotate: %s", r.body)
	}
	e.clock.Advance(auth.DefaultJWKSCacheTTL + auth.KeyPropagation)
	r = e.do("POST", "/v1/admin/keys/rotate", map[string]any{}, bearer(adm)...)
	expectStatus(t, r, http.StatusOK)
	if m := r.json(t); m["rotated"] != true || m["active_kid"] != next {
		t.Fatalf("rotate after the JWKS cache lifetime: %s", r.body)
	}

	// Revoke the now active key: the admin's own token, signed by the old
	// one, still works; tokens of the revoked key are refused at once.
	adm2 := e.login("root@example.com", testPassword).access
	expectStatus(t, e.do("POST", "/v1/admin/keys/nokey/revoke", nil, bearer(adm)...), http.StatusNotFound)
	expectStatus(t, e.do("POST", "/v1/admin/keys/"+next+"/revoke", nil, bearer(adm)...), http.StatusNoContent)
	r = e.do("GET", "/v1/admin/keys", nil, bearer(adm2)...)
	expectStatus(t, r, http.StatusUnauthorized)
	if jwks := e.do("GET", "/.well-known/jwks.json", nil); strings.Contains(string(jwks.body), next) {
		t.Error("a revoked key is still in the JWKS")
	}
	evs := e.auditEvents(adm, url.Values{"actor": {adminID}})
	types := map[string]int{}
	for _, ev := range evs {
		types[ev["type"].(string)]++
		if ev["ip"] != "127.0.0.1" {
			t.Errorf("event %v without the admin's address", ev)
		}
	}
	if types[auth.EventKeyRotate] == 0 || types[auth.EventKeyRevoke] != 1 {
		t.Errorf("key events by the admin: %v", types)
	}

	// Clients: listed without secrets.
	cid, secret := e.addClient("reports:read", "reports:write")
	r = e.do("GET", "/v1/admin/clients", nil, bearer(adm)...)
	expectStatus(t, r, http.StatusOK)
	cs := r.json(t)["clients"].([]any)
	if len(cs) != 1 || cs[0].(map[string]any)["client_id"] != cid || strings.Contains(string(r.body), secret) || strings.Contains(string(r.body), "secret") {
		t.Errorf("clients: %s", r.body)
	}
}

// TestAdminAudit: filters by user, actor, type, outcome and time range,
// and pages that neither repeat nor skip an event while new events are
// written between them.
func TestAdminAudit(t *testing.T) {
	e := newEnv(t)
	_, adm := e.admin("root@example.com")
	ann := e.signup("ann@example.com")
	start := e.clock.Now()
	for range 3 {
		e.clock.Advance(time.Minute)
		e.login("ann@example.com", testPassword)
		expectStatus(t, e.do("POST", "/v1/auth/login", map[string]string{"email": "ann@example.com", "password": "wrong-Password-1"}), http.StatusUnauthorized)
	}
	end := e.clock.Now()

	count := func(q url.Values) int { return len(e.auditEvents(adm, q)) }
	if n := count(url.Values{"user": {ann}, "type": {"login"}}); n != 6 {
		t.Errorf("ann's logins: %d, want 6", n)
	}
	if n := count(url.Values{"user": {ann}, "type": {"login"}, "outcome": {"success"}}); n != 3 {
		t.Errorf("ann's successful logins: %d, want 3", n)
	}
	if n := count(url.Values{"user": {ann}, "outcome": {"failure"}}); n != 3 {
		t.Errorf("ann's failures: %d, want 3", n)
	}
	since := start.Add(90 * time.Second).UTC().Format(time.RFC3339Nano)
	if n := count(url.Values{"user": {ann}, "since": {since}, "until": {end.UTC().Format(time.RFC3339)}}); n != 2 {
		t.Errorf("ann's events in [start+90s, end): %d, want 2 (the second minute's)", n)
	}
	if n := count(url.Values{"user": {ann}, "until": {start.UTC().Format(time.RFC3339)}}); n != 0 {
		t.Errorf("ann's events before start: %d, want 0 (signup is at start)", n)
	}

	// Paging while events arrive.
	snapshot := e.auditEvents(adm, url.Values{})
	var paged []float64
	q := url.Values{"limit": {"3"}}
	for i := 0; ; i++ {
		r := e.do("GET", "/v1/admin/audit?"+q.Encode(), nil, bearer(adm)...)
		expectStatus(t, r, http.StatusOK)
		m := r.json(t)
		for _, ev := range m["events"].([]any) {
			paged = append(paged, ev.(map[string]any)["id"].(float64))
		}
		next, _ := m["next"].(string)
		if next == "" {
			break
		}
		q.Set("cursor", next)
		// New events between pages: an admin action and a login.
		expectStatus(t, e.do("POST", "/v1/admin/users/"+ann+"/roles", map[string]any{"roles": []string{fmt.Sprint("r", i)}}, bearer(adm)...), http.StatusOK)
	}
	var want []float64
	for _, ev := range snapshot {
		want = append(want, ev["id"].(float64))
	}
	if !slices.Equal(paged, want) || len(want) < 10 {
		t.Errorf("paged while events arrived: %v\nwant %v", paged, want)
	}
	if !slices.IsSortedFunc(want, func(a, b float64) int { return int(b - a) }) {
		t.Errorf("events not newest first: %v", want)
	}

	for _, q := range []string{"outcome=maybe", "since=yesterday", "until=2026-01-01", "cursor=0", "cursor=x", "limit=5000", "user=a&user=b", "page=2",
		"since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z"} {
		r := e.do("GET", "/v1/admin/audit?"+q, nil, bearer(adm)...)
		if r.status != http.StatusBadRequest || r.errorCode(t) != auth.CodeInvalidRequest {
			t.Errorf("?%s: %d %s, want 400 invalid_request", q, r.status, r.body)
		}
	}
}
