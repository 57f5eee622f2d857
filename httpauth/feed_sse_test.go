package httpauth

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func readAllSSE(t testing.TB, in string, maxLine int) ([]string, error) {
	r := newSSEReader(strings.NewReader(in), maxLine)
	var out []string
	for {
		ev, err := r.next()
		if err != nil {
			return out, err
		}
		out = append(out, ev.String())
	}
}

func TestSSEReader(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
		err      error
	}{
		{"event", "id: 7\nevent: revocation\ndata: {\"a\":1}\n\n", []string{`event "revocation" id "7" data "{\"a\":1}"`}, io.EOF},
		{"comment then event", ": ping\n\nid:3\nevent:resync\ndata:{}\n\n", []string{"comment", `event "resync" id "3" data "{}"`}, io.EOF},
		{"CRLF and CR line ends", "event: x\r\ndata: a\rdata: b\r\n\r\n", []string{`event "x" id "" data "a\nb"`}, io.EOF},
		{"no data: not dispatched", "event: x\nid: 1\n\nevent: y\ndata: 1\n\n", []string{`event "y" id "" data "1"`}, io.EOF},
		{"unknown fields and retry ignored", "retry: 5\nfoo: bar\nevent: y\ndata\n\n", []string{`event "y" id "" data ""`}, io.EOF},
		{"id with NUL ignored", "id: a\x00b\nevent: y\ndata: 1\n\n", []string{`event "y" id "" data "1"`}, io.EOF},
		{"cut mid-event", "event: y\ndata: 1\n", nil, io.ErrUnexpectedEOF},
		{"unterminated line", "event: y", nil, io.ErrUnexpectedEOF},
		{"line too long", "data: " + strings.Repeat("x", 100) + "\n\n", nil, errSSETooLong},
		{"data too long across lines", strings.Repeat("data: xxxxxxxxxx\n", 10) + "\n", nil, errSSETooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAllSSE(t, tc.in, 64)
			if !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("events %q, want %q", got, tc.want)
			}
		})
	}
}

// FuzzSSEReader: the reader never panics, never returns a line or event
// data over its limit, and reads any input to an error (never loops).
func FuzzSSEReader(f *testing.F) {
	for _, s := range []string{
		"id: 7\nevent: revocation\ndata: {\"kind\":\"token\",\"sub\":\"j\",\"nbf\":0,\"exp\":1,\"seq\":7}\n\n",
		": ping\n\n", "event: resync\ndata: {}\n\n", "data: a\rdata: b\r\n\r\n", "data\n\n", "\r\r\r", ":\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		const limit = 64
		r := newSSEReader(strings.NewReader(string(in)), limit)
		for range len(in) + 1 {
			ev, err := r.next()
			if err != nil {
				return
			}
			if len(ev.data) > limit || len(ev.event) > limit || len(ev.id) > limit {
				t.Fatalf("event over the limit: %v", ev)
			}
		}
		t.Fatal("more events than input bytes")
	})
}
