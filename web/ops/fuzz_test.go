package ops_test

import (
	"strings"
	"testing"
	"time"

	"github.com/wardauth/ward/web/ops"
)

const (
	a1Token = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	a1Key   = `{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow","alg":"HS256"}`
)

var at = time.Unix(1300819000, 0)

// FuzzDecode: Decode never panics, and it either fails or shows the parts
// of the token, which are the token's own.
func FuzzDecode(f *testing.F) {
	f.Add(a1Token)
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.")
	f.Add("eyJhbGciOiJkaXIiLCJlbmMiOiJBMTI4R0NNIn0..AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("Bearer " + a1Token + "\n")
	f.Fuzz(func(t *testing.T, tok string) {
		d, err := ops.Decode(tok, at)
		if err != nil {
			if d != nil {
				t.Fatal("a result with an error")
			}
			return
		}
		if !strings.Contains(tok, strings.Join(d.Parts, ".")) {
			t.Fatalf("parts %q are not of %q", d.Parts, tok)
		}
		if d.Kind != "JWS" && d.Kind != "JWE" {
			t.Fatalf("kind %q", d.Kind)
		}
	})
}

// FuzzVerify: Verify never panics and says "valid" only with the claims.
func FuzzVerify(f *testing.F) {
	f.Add(a1Token, a1Key, "key", "")
	f.Add(a1Token, "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow", "secret-base64url", "HS256")
	f.Add(a1Token, `{"keys":[`+a1Key+`]}`, "key", "HS256")
	f.Add(a1Token, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "key", "RS256")
	f.Fuzz(func(t *testing.T, tok, key, kind, alg string) {
		r := ops.Verify(ops.VerifyRequest{Token: tok, Key: key, KeyKind: kind, Alg: alg}, at)
		if r.Verified != (r.Verdict == ops.VerdictValid) || (r.Verified && r.Claims == "") {
			t.Fatalf("inconsistent result %+v", r)
		}
	})
}

// FuzzSign: Sign never panics, and a token it makes decodes with the
// header's algorithm and verifies with the same secret.
func FuzzSign(f *testing.F) {
	f.Add(`{"alg":"HS256","typ":"JWT"}`, `{"sub":"alice","exp":4102444800}`, "0123456789abcdef0123456789abcdef")
	f.Add(`{"alg":"HS384","kid":"k1"}`, `{"a":[1,2,{"b":null}],"exp":4102444800}`, "0123456789abcdef0123456789abcdef0123456789abcdef")
	f.Add(`{"alg":"HS256","jku":"https://x"}`, `{}`, "0123456789abcdef0123456789abcdef")
	f.Fuzz(func(t *testing.T, header, claims, secret string) {
		tok, err := ops.Sign(ops.SignRequest{Header: header, Claims: claims, KeyKind: ops.KindSecretText, Key: secret})
		if err != nil {
			return
		}
		d, err := ops.Decode(tok, at)
		if err != nil {
			t.Fatalf("Sign made %q, which does not decode: %v", tok, err)
		}
		r := ops.Verify(ops.VerifyRequest{Token: tok, Key: secret, KeyKind: ops.KindSecretText, Alg: d.Alg}, at)
		if r.Code == "bad_signature" || r.Code == "malformed" || r.Verdict == ops.VerdictKeyError {
			t.Fatalf("Sign made %q, which does not verify with its secret: %+v", tok, r)
		}
	})
}

// FuzzConvert: Convert never panics, and what it shows of a key converts
// back to the same thumbprint.
func FuzzConvert(f *testing.F) {
	f.Add(`{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRjmsNk-xYUdQtD8uYn0s6lpgSy6gVOaQGF0HzA"}`, "ES256")
	f.Add(`{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`, "")
	f.Add(a1Key, "")
	f.Fuzz(func(t *testing.T, key, alg string) {
		k, err := ops.Convert(key, alg)
		if err != nil || k.PublicJWK == "" {
			return
		}
		back, err := ops.Convert(k.PublicJWK, k.Alg)
		if err != nil || back.Thumbprint != k.Thumbprint {
			t.Fatalf("%s converts to %s, whose thumbprint is %q (%v), not %q", key, k.PublicJWK, back.Thumbprint, err, k.Thumbprint)
		}
	})
}
