package revocation_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wardauth/ward/auth/revocation"
)

// TestEventID: the id names the row: its seq, then a mark that changes
// with any of the row's fields; it parses back to the seq.
func TestEventID(t *testing.T) {
	at := time.Unix(1777626000, 5).UTC()
	v := revocation.Revocation{Kind: revocation.Session, Subject: "s-1", NotBefore: at, Expires: at.Add(time.Hour), CreatedAt: at, Seq: 42}
	id := revocation.EventID(v)
	if seq, err := revocation.ParseEventID(id); err != nil || seq != 42 || !strings.HasPrefix(id, "42.") {
		t.Fatalf("EventID = %q; ParseEventID = %d, %v", id, seq, err)
	}
	if revocation.EventID(v) != id {
		t.Fatal("EventID is not deterministic")
	}
	for name, w := range map[string]revocation.Revocation{
		"kind":      {Kind: revocation.Token, Subject: v.Subject, NotBefore: v.NotBefore, Expires: v.Expires, CreatedAt: v.CreatedAt, Seq: 42},
		"subject":   {Kind: v.Kind, Subject: "s-2", NotBefore: v.NotBefore, Expires: v.Expires, CreatedAt: v.CreatedAt, Seq: 42},
		"nbf":       {Kind: v.Kind, Subject: v.Subject, NotBefore: at.Add(1), Expires: v.Expires, CreatedAt: v.CreatedAt, Seq: 42},
		"exp":       {Kind: v.Kind, Subject: v.Subject, NotBefore: v.NotBefore, Expires: v.Expires.Add(1), CreatedAt: v.CreatedAt, Seq: 42},
		"createdAt": {Kind: v.Kind, Subject: v.Subject, NotBefore: v.NotBefore, Expires: v.Expires, CreatedAt: at.Add(time.Nanosecond), Seq: 42},
		"zero nbf":  {Kind: v.Kind, Subject: v.Subject, Expires: v.Expires, CreatedAt: v.CreatedAt, Seq: 42},
	} {
		if got := revocation.EventID(w); got == id || !strings.HasPrefix(got, "42.") {
			t.Errorf("%s changed: EventID = %q (was %q)", name, got, id)
		}
	}
	if got := revocation.EventID(revocation.Revocation{}); got != "0" {
		t.Errorf("EventID of seq 0 = %q", got)
	}
	for _, bad := range []string{"", "00", "1", "-1.0123456789abcdef", "01.0123456789abcdef", "1.0123456789abcde",
		"1.0123456789abcdef0", "1.0123456789ABCDEF", "1.0123456789abcdeg", "+1.0123456789abcdef", ".0123456789abcdef",
		"9223372036854775808.0123456789abcdef", "1.0123456789abcdef\n", "1,0123456789abcdef", "0.0123456789abcdef"} {
		if seq, err := revocation.ParseEventID(bad); !errors.Is(err, revocation.ErrBadEventID) {
			t.Errorf("ParseEventID(%q) = %d, %v; want ErrBadEventID", bad, seq, err)
		}
	}
}

// FuzzParseEventID: an id that parses is "0" or the seq in canonical
// decimal, a dot and 16 lowercase hex digits; so it re-forms exactly.
func FuzzParseEventID(f *testing.F) {
	for _, s := range []string{"0", "42.0123456789abcdef", "9223372036854775807.ffffffffffffffff", "1.0123", "01.0123456789abcdef"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		seq, err := revocation.ParseEventID(in)
		if err != nil {
			if seq != 0 || !errors.Is(err, revocation.ErrBadEventID) {
				t.Fatalf("ParseEventID(%q) = %d, %v", in, seq, err)
			}
			return
		}
		if in == "0" {
			if seq != 0 {
				t.Fatalf("ParseEventID(0) = %d", seq)
			}
			return
		}
		num, mark, ok := strings.Cut(in, ".")
		if !ok || seq < 1 || num != strconv.FormatInt(seq, 10) || len(mark) != 16 || strings.ToLower(mark) != mark {
			t.Fatalf("ParseEventID(%q) = %d", in, seq)
		}
	})
}
