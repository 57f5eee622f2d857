package web_test

import (
	"strings"
	"testing"
)

// The RFC 7515, Appendix A.1 example: an HS256 JWT whose "exp" is
// 2011-03-22T18:43:00Z, and its key.
const (
	rfcA1Token = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	rfcA1Key   = `{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}`
	rfcA1K     = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"
)

// TestRFC7515A1 pastes the RFC 7515 A.1 token and its key: the signature
// verifies and the token is expired (it expired in 2011); as of a time
// before its "exp" it is valid; with one character changed the signature
// is invalid. No request carries the token or the key.
func TestRFC7515A1(t *testing.T) {
	t.Parallel()
	srv := newDebuggerServer(t)
	p := openDebugger(t, srv.URL+"/debugger/")

	// Decoded: header, claims, the date and its warnings.
	p.set("token", rfcA1Token)
	if got := p.text("claims"); !strings.Contains(got, `"iss": "joe"`) || !strings.Contains(got, `"http://example.com/is_root": true`) {
		t.Errorf("claims shown:\n%s", got)
	}
	if got := p.text("dates"); !strings.Contains(got, "2011-03-22T18:43:00Z") || !strings.Contains(got, "expired") {
		t.Errorf("dates shown:\n%s", got)
	}
	if w := strings.Join(p.warnings(), "\n"); !strings.Contains(w, "the token expired") {
		t.Errorf("warnings:\n%s", w)
	}
	if n := eval[int](p, `document.querySelectorAll("#parts .part").length`); n != 3 {
		t.Errorf("%d coloured parts, want 3", n)
	}

	for _, f := range []verifyForm{
		{Kind: "key", Key: rfcA1Key, Alg: "HS256"},                      // the JWK (it has no "alg": name it, as with ward verify --alg)
		{Kind: "secret-base64url", Key: rfcA1K},                         // the secret in base64url
		{Kind: "key", Key: `{"keys":[` + rfcA1Key + `]}`, Alg: "HS256"}, // a JWK Set
	} {
		v := p.verify(rfcA1Token, f)
		if v.Verdict != "expired" || !strings.Contains(v.Title, "Signature verified") || !strings.Contains(v.Reason, "2011-03-22T18:43:00Z") {
			t.Errorf("%s key: verdict %+v, want expired with the signature verified", f.Kind, v)
		}
	}
	f := verifyForm{Kind: "key", Key: rfcA1Key, Alg: "HS256", At: "1300819000"}
	if v := p.verify(rfcA1Token, f); v.Verdict != "valid" || !strings.Contains(strings.ToLower(v.Title), "signature verified") {
		t.Errorf("as of 1300819000: %+v, want valid", v)
	}
	// One character of the signature changed.
	bad := strings.Replace(rfcA1Token, ".dBjftJeZ4CVP", ".dBjftJeZ4CVQ", 1)
	if v := p.verify(bad, f); v.Verdict != "invalid" || !strings.Contains(strings.ToLower(v.Title), "invalid signature") || v.Code != "bad_signature" {
		t.Errorf("changed signature: %+v, want invalid signature", v)
	}
	// One character of the payload changed.
	bad = strings.Replace(rfcA1Token, ".eyJpc3MiOiJqb2Ui", ".eyJpc3MiOiJqb2Ki", 1)
	if v := p.verify(bad, f); v.Verdict != "invalid" || !strings.Contains(strings.ToLower(v.Title), "invalid signature") {
		t.Errorf("changed payload: %+v, want invalid signature", v)
	}
	p.b.CheckRequests(t, srv.URL, rfcA1Token, rfcA1K, bad)
}
