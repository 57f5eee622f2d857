package server_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
)

// TestAdminClients: each client route of the admin API works over HTTP: a
// created client gets tokens; disabling it and rotating its secret without
// overlap refuse its credentials and its tokens at once, with an overlap
// the old secret works until it ends; a deleted client is refused; every
// action is audited with the administrator as actor.
func TestAdminClients(t *testing.T) {
	e := newEnv(t)
	adminID, adm := e.admin("root@example.com")
	post := func(path string, body any) *response {
		t.Helper()
		return e.do("POST", "/v1/admin/clients"+path, body, bearer(adm)...)
	}

	r := post("", map[string]any{"name": "billing", "scopes": []string{"b:read", "a:write"}, "introspect": true, "feed": true})
	expectStatus(t, r, http.StatusCreated)
	m := r.json(t)
	id, secret := r.str(t, "client_id"), r.str(t, "client_secret")
	if !strings.HasPrefix(secret, auth.ClientSecretPrefix) || m["name"] != "billing" || !slices.Equal(m["scopes"].([]any), []any{"a:write", "b:read"}) ||
		m["introspect"] != true || m["introspect_email"] != false || m["feed"] != true || m["disabled"] != false {
		t.Fatalf("created %s", r.body)
	}
	if r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("the secret was sent with Cache-Control %q", r.header.Get("Cache-Control"))
	}
	r = e.do("POST", "/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"a:write"}}, basic(id, secret)...)
	if m := expectTokenResponse(t, r, false); m["scope"] != "a:write" {
		t.Errorf("the created client's token: %v", m)
	}
	if in := e.introspect(id, secret, e.clientToken(id, secret)); in["active"] != true {
		t.Errorf("the created client introspecting its token: %v", in)
	}

	// Disabled: its credentials and its live token are refused at once;
	// enabled again, it gets tokens.
	tok := e.clientToken(id, secret)
	r = post("/"+id+"/disable", nil)
	expectStatus(t, r, http.StatusOK)
	if r.json(t)["disabled"] != true || r.json(t)["updated_at"] == nil || strings.Contains(string(r.body), "secret") {
		t.Fatalf("disable answered %s", r.body)
	}
	e.expectClientRefused(id, secret)
	e.expectClientToken(tok, false)
	e.clock.Advance(time.Second)
	r = post("/"+id+"/enable", map[string]any{})
	expectStatus(t, r, http.StatusOK)
	if r.json(t)["disabled"] != false {
		t.Fatalf("enable answered %s", r.body)
	}
	tok = e.clientToken(id, secret)

	// A new secret with an hour of overlap: both work until it ends.
	r = post("/"+id+"/secret", map[string]string{"overlap": "1h"})
	expectStatus(t, r, http.StatusOK)
	next := r.str(t, "client_secret")
	until := e.clock.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if r.str(t, "client_id") != id || next == secret || r.str(t, "previous_secret_until") != until {
		t.Fatalf("rotation with overlap answered %s, want previous_secret_until %s", r.body, until)
	}
	e.expectClientToken(tok, true)
	e.clientToken(id, secret)
	e.clientToken(id, next)
	e.clock.Advance(time.Hour)
	e.expectClientRefused(id, secret)
	adm = e.login("root@example.com", testPassword).access // the first one expired
	r = e.do("GET", "/v1/admin/clients", nil, bearer(adm)...)
	if expectStatus(t, r, http.StatusOK); strings.Contains(string(r.body), "previous_secret_until") {
		t.Errorf("the overlap has ended: %s", r.body)
	}

	// Without overlap (no body): the old secret and its tokens stop at
	// once.
	tok = e.clientToken(id, next)
	r = post("/"+id+"/secret", nil)
	expectStatus(t, r, http.StatusOK)
	newest := r.str(t, "client_secret")
	if _, ok := r.json(t)["previous_secret_until"]; ok {
		t.Errorf("rotation without overlap answered %s", r.body)
	}
	e.expectClientRefused(id, next)
	e.expectClientToken(tok, false)
	e.clock.Advance(time.Second)
	tok = e.clientToken(id, newest)

	// Deleted: refused, gone from the list, then unknown.
	r = e.do("DELETE", "/v1/admin/clients/"+id, nil, bearer(adm)...)
	expectStatus(t, r, http.StatusNoContent)
	e.expectClientRefused(id, newest)
	e.expectClientToken(tok, false)
	r = e.do("GET", "/v1/admin/clients", nil, bearer(adm)...)
	if expectStatus(t, r, http.StatusOK); strings.Contains(string(r.body), id) {
		t.Errorf("a deleted client is listed: %s", r.body)
	}
	for _, rq := range []struct{ method, path string }{
		{"DELETE", ""}, {"POST", "/disable"}, {"POST", "/enable"}, {"POST", "/secret"},
	} {
		r := e.do(rq.method, "/v1/admin/clients/"+id+rq.path, nil, bearer(adm)...)
		if r.status != http.StatusNotFound || r.errorCode(t) != auth.CodeNotFound {
			t.Errorf("%s of a deleted client: %d %s, want 404 not_found", rq.method+rq.path, r.status, r.body)
		}
	}

	// Every action is in the audit log, with the administrator as actor,
	// their address and the client.
	var got []string
	for _, ev := range e.auditEvents(adm, url.Values{"actor": {adminID}, "limit": {"4"}}) {
		if ev["ip"] != "127.0.0.1" || ev["actor_id"] != adminID || ev["client_id"] != id {
			t.Errorf("event %v: want actor %s at 127.0.0.1 about %s", ev, adminID, id)
		}
		got = append(got, ev["type"].(string)+" "+strOf(ev["detail"]))
	}
	want := []string{"client_delete ", "client_secret overlap=0s", "client_secret overlap=1h0m0s", "client_enable ", "client_disable ",
		"client_add scopes=a:write b:read permissions=introspect,feed"}
	if !slices.Equal(got, want) {
		t.Errorf("admin events, newest first:\n%q\nwant\n%q", got, want)
	}
}

// strOf returns v if it is a string, else "".
func strOf(v any) string {
	s, _ := v.(string)
	return s
}

// TestAdminClientsInput: bad requests to the client routes are refused
// with invalid_request (or the strict reader's codes) and change nothing.
func TestAdminClientsInput(t *testing.T) {
	e := newEnv(t)
	_, adm := e.admin("root@example.com")
	id, secret := e.addClientSpec(auth.ClientSpec{})
	events := e.auditCount()
	for _, tt := range []struct {
		path, body string
		status     int
	}{
		{"", `{"name":""}`, 400},
		{"", `{"name":"` + strings.Repeat("n", 129) + `"}`, 400},
		{"", `{"name":"x","scopes":["bad scope"]}`, 400},
		{"", `{"name":"x","scopes":"a"}`, 400},
		{"", `{"name":"x","introspect_email":true}`, 400},
		{"", `{"name":"x","introspect":"yes"}`, 400},
		{"", `{"name":"x","secret":"wcs_mine"}`, 400},
		{"", `{"name":"x","name":"y"}`, 400},
		{"", ``, 400},
		{"/" + id + "/disable", `{"now":true}`, 400},
		{"/" + id + "/secret", `{"overlap":"1 day"}`, 400},
		{"/" + id + "/secret", `{"overlap":"-1h"}`, 400},
		{"/" + id + "/secret", `{"overlap":"721h"}`, 400}, // auth.MaxSecretOverlap is 720h
		{"/" + id + "/secret", `{"overlap":3600}`, 400},
		{"/" + id + "/secret", `{"overlap":"1h","now":true}`, 400},
	} {
		r := e.do("POST", "/v1/admin/clients"+tt.path, tt.body, append(bearer(adm), "Content-Type", "application/json")...)
		if r.status != tt.status || (tt.status == 400 && r.errorCode(t) != auth.CodeInvalidRequest) {
			t.Errorf("POST %s %.60s: %d %s, want %d", tt.path, tt.body, r.status, r.body, tt.status)
		}
	}
	r := e.do("POST", "/v1/admin/clients", "name=x", append(bearer(adm), "Content-Type", "application/x-www-form-urlencoded")...)
	expectStatus(t, r, http.StatusUnsupportedMediaType)
	cs, err := e.svc.Clients(t.Context())
	if err != nil || len(cs) != 1 || cs[0].Disabled {
		t.Errorf("refused requests changed the clients: %v %v", cs, err)
	}
	e.clientToken(id, secret)
	if n := e.auditCount(); n != events {
		t.Errorf("refused requests wrote %d audit events", n-events)
	}
}
