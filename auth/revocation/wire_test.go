package revocation_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wardauth/ward/auth/revocation"
)

func TestJSONRoundTrip(t *testing.T) {
	nb := time.Date(2026, 5, 1, 9, 0, 0, 400_000_000, time.UTC)
	v := revocation.Revocation{Kind: revocation.Session, Subject: "s-1\"é", NotBefore: nb, Expires: nb.Add(time.Hour), CreatedAt: nb, Seq: 42}
	b, err := revocation.AppendJSON(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"kind":"session","sub":"s-1\"é","nbf":1777626000,"exp":1777629601,"seq":42}`
	if string(b) != want {
		t.Fatalf("AppendJSON = %s\nwant          %s", b, want)
	}
	got, err := revocation.ParseJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	// NotBefore rounds down and Expires up to whole seconds; CreatedAt is
	// not carried.
	if got.Kind != v.Kind || got.Subject != v.Subject || got.Seq != 42 ||
		!got.NotBefore.Equal(nb.Truncate(time.Second)) || !got.Expires.Equal(nb.Add(time.Hour).Truncate(time.Second).Add(time.Second)) || !got.CreatedAt.IsZero() {
		t.Fatalf("ParseJSON = %+v", got)
	}
	zero, err := revocation.ParseJSON([]byte(`{"kind":"token","sub":"j","nbf":0,"exp":1777629601,"seq":0}`))
	if err != nil || !zero.NotBefore.IsZero() {
		t.Fatalf("nbf 0: %+v, %v", zero, err)
	}
}

func TestJSONStrict(t *testing.T) {
	for _, in := range []string{
		``, `null`, `[]`, `{}`,
		`{"kind":"token","sub":"j","nbf":0,"exp":1,"seq":1,"x":1}`,                           // unknown member
		`{"kind":"token","sub":"j","nbf":0,"exp":1,"seq":1,"seq":2}`,                         // duplicate
		`{"kind":"token","sub":"j","nbf":0,"exp":1}`,                                         // missing seq
		`{"kind":"Token","sub":"j","nbf":0,"exp":1,"seq":1}`,                                 // kinds are case-sensitive
		`{"kind":"group","sub":"j","nbf":0,"exp":1,"seq":1}`,                                 // unknown kind
		`{"kind":"token","sub":"","nbf":0,"exp":1,"seq":1}`,                                  // empty subject
		`{"kind":"token","sub":"j","nbf":-1,"exp":1,"seq":1}`,                                // before 1970
		`{"kind":"token","sub":"j","nbf":0,"exp":1.5,"seq":1}`,                               // fraction
		`{"kind":"token","sub":"j","nbf":0,"exp":"1","seq":1}`,                               // string date
		`{"kind":"token","sub":"j","nbf":0,"exp":253402300800,"seq":1}`,                      // after 9999
		`{"kind":"token","sub":"j","nbf":0,"exp":1,"seq":-1}`,                                // negative seq
		`{"kind":"token","sub":{"a":1},"nbf":0,"exp":1,"seq":1}`,                             // nested
		`{"kind":"token","sub":"j","nbf":0,"exp":1,"seq":1} x`,                               // trailing data
		`{"kind":"token","sub":"` + strings.Repeat("a", 1025) + `","nbf":0,"exp":1,"seq":1}`, // too long
		"{\"kind\":\"token\",\"sub\":\"\xff\",\"nbf\":0,\"exp\":1,\"seq\":1}",                // not UTF-8
	} {
		if v, err := revocation.ParseJSON([]byte(in)); !errors.Is(err, revocation.ErrMalformed) {
			t.Errorf("ParseJSON(%.60q) = %+v, %v; want ErrMalformed", in, v, err)
		}
	}
	if _, err := revocation.AppendJSON(nil, revocation.Revocation{Kind: "group", Subject: "x"}); err == nil {
		t.Error("AppendJSON of an unknown kind succeeded")
	}
	if _, err := revocation.AppendJSON(nil, revocation.Revocation{Kind: "token", Subject: "\xff"}); err == nil {
		t.Error("AppendJSON of a non-UTF-8 subject succeeded")
	}
}

func TestSnapshotJSON(t *testing.T) {
	at := time.Unix(1777626000, 0).UTC()
	s := revocation.Snapshot{Seq: 9, Time: at, Revocations: []revocation.Revocation{
		{Kind: revocation.Token, Subject: "j", Expires: at.Add(time.Minute), Seq: 3},
		{Kind: revocation.Key, Subject: "k", Expires: at.Add(time.Hour), Seq: 9},
	}}
	s.ID = revocation.EventID(s.Revocations[1])
	b, err := revocation.AppendSnapshot(nil, s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := revocation.ParseSnapshot(b, 2)
	if err != nil || got.Seq != 9 || got.ID != s.ID || !got.Time.Equal(at) || len(got.Revocations) != 2 || got.Revocations[1].Subject != "k" {
		t.Fatalf("ParseSnapshot(%s) = %+v, %v", b, got, err)
	}
	if _, err := revocation.ParseSnapshot(b, 1); !errors.Is(err, revocation.ErrMalformed) {
		t.Fatalf("over the entry limit: %v", err)
	}
	empty, err := revocation.ParseSnapshot([]byte(`{"seq":0,"id":"0","revocations":[],"time":1}`), 1)
	if err != nil || empty.Revocations == nil {
		t.Fatalf("empty snapshot: %+v, %v", empty, err)
	}
	for _, in := range []string{
		`{"seq":0,"id":"0","time":1}`,
		`{"seq":0,"id":"0","revocations":[1],"time":1}`,
		`{"seq":0,"id":"0","revocations":[],"time":1,"more":true}`,
		`{"seq":0,"revocations":[],"time":1}`,                                                     // no id
		`{"seq":9,"id":"0","revocations":[],"time":1}`,                                            // id of another seq
		`{"seq":9,"id":"8.0123456789abcdef","revocations":[],"time":1}`,                           // id of another seq
		`{"seq":9,"id":"9.0123456789abcdeF","revocations":[],"time":1}`,                           // uppercase mark
		`{"seq":9,"id":9,"revocations":[],"time":1}`,                                              // not a string
		`{"seq":9,"id":"9.0123456789abcdef","id":"9.0123456789abcdef","revocations":[],"time":1}`, // duplicate
	} {
		if _, err := revocation.ParseSnapshot([]byte(in), 10); !errors.Is(err, revocation.ErrMalformed) {
			t.Errorf("ParseSnapshot(%s) = %v; want ErrMalformed", in, err)
		}
	}
}

// FuzzParseJSON: a revocation that parses encodes to a form that parses to
// the same revocation and encodes to the same bytes; one that does not
// parse returns no partial value.
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{
		`{"kind":"session","sub":"s-1","nbf":1777626000,"exp":1777629601,"seq":42}`,
		`{"kind":"token","sub":"j\u00e9","nbf":0,"exp":1,"seq":0}`,
		`{"seq":1,"exp":2,"nbf":3,"sub":"k","kind":"key"}`,
		`{"kind":"user","sub":"u","nbf":1e3,"exp":2.0E3,"seq":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		v, err := revocation.ParseJSON(in)
		if err != nil {
			if v != (revocation.Revocation{}) {
				t.Fatalf("partial value on error: %+v", v)
			}
			return
		}
		b, err := revocation.AppendJSON(nil, v)
		if err != nil {
			t.Fatalf("AppendJSON(%+v): %v", v, err)
		}
		w, err := revocation.ParseJSON(b)
		if err != nil || w != v {
			t.Fatalf("round trip: %s → %+v, %v; want %+v", b, w, err, v)
		}
		if b2, _ := revocation.AppendJSON(nil, w); string(b2) != string(b) {
			t.Fatalf("not canonical: %s then %s", b, b2)
		}
	})
}

// FuzzParseSnapshot: a snapshot that parses re-encodes to one that parses
// to the same entries.
func FuzzParseSnapshot(f *testing.F) {
	f.Add([]byte(`{"seq":9,"id":"9.0123456789abcdef","revocations":[{"kind":"token","sub":"j","nbf":0,"exp":1,"seq":3}],"time":1777626000}`))
	f.Add([]byte(`{"seq":0,"id":"0","revocations":[],"time":0}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := revocation.ParseSnapshot(in, 100)
		if err != nil {
			return
		}
		b, err := revocation.AppendSnapshot(nil, s)
		if err != nil {
			t.Fatalf("AppendSnapshot: %v", err)
		}
		w, err := revocation.ParseSnapshot(b, 100)
		if err != nil || w.Seq != s.Seq || w.ID != s.ID || len(w.Revocations) != len(s.Revocations) || !w.Time.Equal(s.Time) {
			t.Fatalf("round trip: %s → %+v, %v", b, w, err)
		}
	})
}
