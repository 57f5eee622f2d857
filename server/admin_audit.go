package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/wardauth/ward/auth"
)

// handleAdminAudit: GET /v1/admin/audit?user=&actor=&type=&outcome=
// &since=&until=&limit=&cursor= → {"events":[…],"next":"…"}, newest
// first; since and until are RFC 3339 times (since inclusive, until
// exclusive); "next" is absent on the last page. Paging is by event ID,
// so events written between two pages never shift them.
func (s *Server) handleAdminAudit(w http.ResponseWriter, r *http.Request) {
	q, err := queryParams(r, "user", "actor", "type", "outcome", "since", "until", "limit", "cursor")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	aq := auth.AuditQuery{UserID: q.Get("user"), ActorID: q.Get("actor"), Type: q.Get("type"), Outcome: q.Get("outcome")}
	if aq.Limit, err = pageLimit(q); err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"since", &aq.Since}, {"until", &aq.Until}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		if *p.t, err = time.Parse(time.RFC3339Nano, v); err != nil {
			s.writeError(w, r, auth.Errorf(auth.CodeInvalidRequest, "%s is an RFC 3339 time, such as 2026-01-02T15:04:05Z.", p.name))
			return
		}
	}
	if c := q.Get("cursor"); c != "" {
		if aq.BeforeID, err = strconv.ParseInt(c, 10, 64); err != nil || aq.BeforeID <= 0 {
			s.writeError(w, r, auth.Errorf(auth.CodeInvalidRequest, "Invalid cursor."))
			return
		}
	}
	evs, next, err := s.svc.AuditPage(r.Context(), aq)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for i := range evs {
		evs[i].Time = evs[i].Time.UTC()
	}
	if evs == nil {
		evs = []auth.AuditEvent{}
	}
	body := struct {
		Events []auth.AuditEvent `json:"events"`
		Next   string            `json:"next,omitempty"`
	}{Events: evs}
	if next > 0 {
		body.Next = strconv.FormatInt(next, 10)
	}
	writeJSON(w, http.StatusOK, body)
}
