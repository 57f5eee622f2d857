package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// FuzzDecode checks that decode never panics, exits 0 or 1 for any token,
// and that its --json output is always one JSON object.
func FuzzDecode(f *testing.F) {
	for _, tok := range []string{
		"eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.",
		"eyJhbGciOiJSUzI1NiIsImprdSI6Imh0dHBzOi8vZXZpbC5leGFtcGxlL2p3a3MuanNvbiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZG1pbiIsImV4cCI6MTAwMDAwMzYwMCwiaWF0IjoxMDAwMDAwMDAwfQ.c2ln",
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImNyaXQiOlsiZXhwMiJdLCJleHAyIjoxfQ.eyJzdWIiOiJhZG1pbiIsImV4cCI6MTAwMDAwMzYwMCwiaWF0Ijo5MDAwMDAwMDAsIm5iZiI6MTAwMDAwMjAwMH0.c2ln",
		"eyJhbGciOiJIUzI1NyIsInR5cCI6IkpXVCIsIng1dSI6Imh0dHBzOi8vZXZpbC5leGFtcGxlL2MucGVtIiwiandrIjp7Imt0eSI6Im9jdCJ9LCJ4NWMiOlsiQUE9PSJdfQ.aGVsbG8sIHdvcmxk.",
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOiJ0b21vcnJvdyIsInN1YiI6IjxhZG1pbj4ifQ.c2ln",
		"Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.\r\n",
		"",
		"a.b.c",
		// RFC 7516, Appendix A.3 (a JWE) and A.2 (RSA1_5).
		"eyJhbGciOiJBMTI4S1ciLCJlbmMiOiJBMTI4Q0JDLUhTMjU2In0.6KB707dM9YTIgHtLvtgWQ8mKwboJW3of9locizkDTHzBC2IlrT1oOQ.AxY8DCtDaGlsbGljb3RoZQ.KDlTtXchhZTGufMYmOYGS4HffxPSUrfmqCHXaI9wOGY.U0m_YmjN04DJvceFICbCVQ",
		"eyJhbGciOiJSU0ExXzUiLCJlbmMiOiJBMTI4Q0JDLUhTMjU2In0.AA.AxY8DCtDaGlsbGljb3RoZQ.KDlT.9hH0vgRfYgPnAHOd8stkvw",
		"a.b.c.d.e",
	} {
		f.Add(tok)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		for _, asJSON := range []bool{false, true} {
			args := []string{"decode", "--at", "1000000000", "-"}
			if asJSON {
				args = append(args, "--json")
			}
			var stdout, stderr bytes.Buffer
			code := run(args, strings.NewReader(tok), &stdout, &stderr)
			switch code {
			case exitOK:
				if asJSON {
					var out struct {
						Header   map[string]any `json:"header"`
						Verified *bool          `json:"verified"`
					}
					if err := json.Unmarshal(stdout.Bytes(), &out); err != nil || out.Verified == nil || *out.Verified || out.Header == nil {
						t.Fatalf("decode --json printed %q (%v)", stdout.Bytes(), err)
					}
				} else if !strings.HasPrefix(stdout.String(), notVerified+"\n") {
					t.Fatalf("decode output does not start with the banner: %q", stdout.Bytes())
				}
			case exitInvalid:
				if stdout.Len() != 0 || !strings.HasPrefix(stderr.String(), "ward: error: cannot decode token: ") {
					t.Fatalf("decode failed with stdout %q, stderr %q", stdout.Bytes(), stderr.Bytes())
				}
			default:
				t.Fatalf("decode exited %d; stderr %q", code, stderr.Bytes())
			}
		}
	})
}
