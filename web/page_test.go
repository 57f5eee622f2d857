package web_test

import (
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/internal/browsertest"
	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jws"
)

var writeScreenshot = flag.Bool("screenshot", false, "write the debugger's screenshot to ../docs/debugger.png")

// hsToken signs payload with header h under the HS256 secret.
func hsToken(t *testing.T, secret []byte, h *jws.Header, payload string) string {
	t.Helper()
	k, err := jwk.NewSecretKey(secret, jwk.HS256)
	if err != nil {
		t.Fatal(err)
	}
	h.Algorithm = jwk.HS256
	tok, err := jws.Sign([]byte(payload), k, h)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// rawToken builds a token from a raw header and payload, with the given
// signature segment.
func rawToken(header, payload, sig string) string {
	return base64url.EncodeToString([]byte(header)) + "." + base64url.EncodeToString([]byte(payload)) + "." + sig
}

// TestAlgNoneAndEmbeddedKeys pastes an "alg": "none" token and one whose
// header names a key URL ("jku", "x5u"): the page shows the warnings of
// ward decode, verifying refuses the none token, and no request goes to
// the URLs the token names (nor any request carries the token or the key).
func TestAlgNoneAndEmbeddedKeys(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(`{"keys":[]}`))
	}))
	defer attacker.Close()
	srv := newDebuggerServer(t)
	p := openDebugger(t, srv.URL+"/debugger/")

	none := rawToken(`{"alg":"none","typ":"JWT"}`, `{"sub":"admin","exp":4102444800}`, "")
	p.set("token", none)
	w := strings.Join(p.warnings(), "\n")
	if !strings.Contains(w, `alg "none": the token is not signed, so anyone can forge it`) {
		t.Errorf("alg none: warnings:\n%s", w)
	}
	secret := []byte("0123456789abcdef0123456789abcdef")
	if v := p.verify(none, verifyForm{Kind: "secret-text", Key: string(secret)}); v.Verdict != "invalid" || v.Code != "unsupported_algorithm" {
		t.Errorf("alg none verified: %+v", v)
	}

	jku := hsToken(t, secret, &jws.Header{Type: "JWT"}, `{"sub":"alice","exp":4102444800}`)
	// The same claims with key URLs in the header, signed by the same
	// secret: Ward verifies with the secret given, never fetching them.
	hdr := `{"alg":"HS256","typ":"JWT","jku":"` + attacker.URL + `/jwks.json","x5u":"` + attacker.URL + `/cert.pem"}`
	k, _ := jwk.NewSecretKey(secret, jwk.HS256)
	input := base64url.EncodeToString([]byte(hdr)) + "." + base64url.EncodeToString([]byte(`{"sub":"alice","exp":4102444800}`))
	mac, err := k.AppendMAC(nil, []byte(input))
	if err != nil {
		t.Fatal(err)
	}
	jku = input + "." + base64url.EncodeToString(mac)
	p.set("token", jku)
	w = strings.Join(p.warnings(), "\n")
	for _, name := range []string{`header "jku" is present`, `header "x5u" is present`} {
		if !strings.Contains(w, name) {
			t.Errorf("jku token: no warning %q in:\n%s", name, w)
		}
	}
	if v := p.verify(jku, verifyForm{Kind: "secret-text", Key: string(secret), Alg: "HS256"}); v.Verdict != "valid" {
		t.Errorf("jku token with its secret: %+v", v)
	}
	p.click("share-btn")
	if hits.Load() != 0 {
		t.Errorf("the URLs in the token's header were fetched %d times", hits.Load())
	}
	for _, r := range p.b.Requests() {
		if strings.HasPrefix(r.URL, attacker.URL) {
			t.Errorf("request to the token's key URL: %s", r)
		}
	}
	p.b.CheckRequests(t, srv.URL, none, jku, string(secret))
}

// TestAttackerTextIsText pastes a token whose header and claims hold HTML
// and script: the page shows them as text, adds no element and runs
// nothing (also after a share link brings the token back).
func TestAttackerTextIsText(t *testing.T) {
	t.Parallel()
	srv := newDebuggerServer(t)
	p := openDebugger(t, srv.URL+"/debugger/")
	claims := `{"name":"<img src=x onerror=\"window.__xss=1\">","note":"</script><script>window.__xss=2</script>",` +
		`"html":"<b onmouseover=alert(1)>bold</b>","exp":4102444800}`
	tok := hsToken(t, []byte("0123456789abcdef0123456789abcdef"), &jws.Header{KeyID: `<img src=y onerror="window.__xss=3">`, Type: "</pre><svg onload=window.__xss=4>"}, claims)

	check := func(when string) {
		t.Helper()
		if got := p.text("claims"); !strings.Contains(got, `<img src=x onerror=\"window.__xss=1\">`) || !strings.Contains(got, `</script><script>window.__xss=2</script>`) {
			t.Errorf("%s: claims not shown as text:\n%s", when, got)
		}
		if got := p.text("header"); !strings.Contains(got, `<img src=y onerror=\"window.__xss=3\">`) || !strings.Contains(got, "</pre><svg onload=window.__xss=4>") {
			t.Errorf("%s: header not shown as text:\n%s", when, got)
		}
		counts := eval[map[string]int](p, `({img: document.querySelectorAll("img").length, svg: document.querySelectorAll("svg").length,
			b: document.querySelectorAll("b").length, script: document.querySelectorAll("script").length})`)
		if counts["img"] != 0 || counts["svg"] != 0 || counts["b"] != 0 || counts["script"] != 2 {
			t.Errorf("%s: elements in the page: %v (want no img, svg or b, and only the 2 scripts of the page)", when, counts)
		}
		if ran := eval[bool](p, `window.__xss !== undefined`); ran {
			t.Errorf("%s: the token's script ran (window.__xss = %v)", when, eval[any](p, `window.__xss`))
		}
	}
	p.set("token", tok)
	check("pasted")
	p.click("share-btn")
	link := p.value("share-link")
	if !strings.Contains(link, "#token=") || strings.Contains(strings.SplitN(link, "#", 2)[0], "eyJ") {
		t.Fatalf("share link %q: the token must be only in the fragment", link)
	}
	p.open(link)
	check("opened from the share link")
	for _, l := range p.b.Logs() {
		if strings.Contains(l, "__xss") {
			t.Errorf("console: %s", l)
		}
	}
	p.b.CheckRequests(t, srv.URL, tok)
}

// TestWardServeToken opens the debugger that ward serve serves, pastes an
// ES256 access token ward serve issued, and verifies it against the JWKS
// URL typed into the page (ward serve's own /.well-known/jwks.json).
func TestWardServeToken(t *testing.T) {
	t.Parallel()
	base := wardServe(t)
	creds := map[string]string{"email": "page@example.com", "password": "correct horse battery"}
	postJSON(t, base+"/v1/auth/signup", creds, 201)
	login := postJSON(t, base+"/v1/auth/login", creds, 200)
	at, _ := login["access_token"].(string)
	rt, _ := login["refresh_token"].(string)
	if at == "" {
		t.Fatalf("login: %v", login)
	}
	p := openDebugger(t, base+"/debugger/")
	p.set("token", at)
	if h := p.text("header"); !strings.Contains(h, `"alg": "ES256"`) {
		t.Errorf("header shown:\n%s", h)
	}
	v := p.verify(at, verifyForm{Kind: "jwks-url", Key: base + "/.well-known/jwks.json", Iss: base, Aud: base, Typ: "at+jwt"})
	if v.Verdict != "valid" {
		t.Errorf("ES256 token against ward serve's JWKS URL: %+v", v)
	}
	// A JWKS URL on another origin is refused by the page's policy unless
	// the user reloads in the mode that allows https: key URLs.
	v = p.verify(at, verifyForm{Kind: "jwks-url", Key: "https://keys.invalid/jwks.json", Iss: base, Aud: base})
	if v.Verdict != "key_error" || !strings.Contains(v.Reason, "own origin") {
		t.Errorf("JWKS URL on another origin: %+v", v)
	}
	if !eval[bool](p, `!document.getElementById("remote-box").hidden`) {
		t.Error("the page does not offer the mode that allows other origins")
	}
	jwksFetched := false
	for _, r := range p.b.Requests() {
		if r.Source == "network" && strings.HasSuffix(r.URL, "/.well-known/jwks.json") && r.Method == "GET" {
			jwksFetched = true
			if r.Header.Get("Authorization") != "" || r.Header.Get("Cookie") != "" {
				t.Errorf("the JWKS request carries credentials: %v", r.Header)
			}
		}
	}
	if !jwksFetched {
		t.Error("the JWKS URL was not fetched")
	}
	p.b.CheckRequests(t, base, at, rt)
}

// keyOut returns the key the Keys section shows, by label.
func keyOut(p *page) map[string]string {
	p.t.Helper()
	return eval[map[string]string](p, `Object.fromEntries(Array.from(document.querySelectorAll("#key-info dt"),
		dt => [dt.textContent, dt.nextElementSibling.querySelector("textarea").value]))`)
}

// TestCreateSignVerify generates a key in the page for every JWS
// algorithm, signs a token with it in the page, and verifies that token
// with ward verify and the public key (or secret) the page showed. It also
// converts the public PEM back to a JWK and checks the RFC 7638 thumbprint
// against ward thumbprint.
func TestCreateSignVerify(t *testing.T) {
	t.Parallel()
	srv := newDebuggerServer(t)
	p := openDebugger(t, srv.URL+"/debugger/")
	dir := t.TempDir()
	var secrets []string
	exp := time.Now().Add(time.Hour).Unix()
	for _, alg := range jwk.Algorithms() {
		p.set("keygen-alg", string(alg))
		p.click("keygen-btn")
		k := keyOut(p)
		priv := k["Private JWK (keep secret)"]
		pub := k["Public JWK"]
		if alg.KeyType() == jwk.KeyTypeOct {
			priv = k["Secret JWK (keep secret)"]
			pub = priv
		}
		if priv == "" || pub == "" {
			t.Errorf("%s: keygen showed %v", alg, k)
			continue
		}
		p.set("create-header", `{"alg":"`+string(alg)+`","typ":"JWT"}`)
		p.set("create-claims", `{"iss":"page","aud":"cli","sub":"alice","exp":`+jsonNumber(exp)+`}`)
		p.set("create-kind", "key")
		p.set("create-key", priv)
		p.click("create-btn")
		tok := p.value("created-token")
		if tok == "" {
			t.Errorf("%s: no token: %s", alg, p.text("create-error"))
			continue
		}
		keyFile := writeFile(t, dir, string(alg)+".jwk", pub)
		stdout, stderr, code := ward(t, "verify", "--key", keyFile, "--alg", string(alg), "--iss", "page", "--aud", "cli", tok)
		if code != 0 || !strings.Contains(stdout, `"sub": "alice"`) {
			t.Errorf("%s: ward verify of the page's token: exit %d\n%s%s", alg, code, stdout, stderr)
		}
		if alg == jwk.ES256 {
			// PEM to JWK, and the thumbprint, against ward thumbprint.
			p.set("convert-in", k["Public PEM"])
			p.set("convert-alg", "ES256")
			p.click("convert-btn")
			c := keyOut(p)
			tp, _, code := ward(t, "thumbprint", keyFile)
			if code != 0 || strings.TrimSpace(tp) != c["RFC 7638 thumbprint (SHA-256)"] || c["RFC 7638 thumbprint (SHA-256)"] != k["RFC 7638 thumbprint (SHA-256)"] {
				t.Errorf("thumbprints: ward %q, page from PEM %q, page at keygen %q", tp, c["RFC 7638 thumbprint (SHA-256)"], k["RFC 7638 thumbprint (SHA-256)"])
			}
			var a, b map[string]any
			json.Unmarshal([]byte(c["Public JWK"]), &a)
			json.Unmarshal([]byte(pub), &b)
			if a["x"] != b["x"] || a["y"] != b["y"] || a["x"] == nil {
				t.Errorf("PEM → JWK gave %s, want the key %s", c["Public JWK"], pub)
			}
			// JWK to PEM.
			p.set("convert-in", priv)
			p.set("convert-alg", "")
			p.click("convert-btn")
			if c := keyOut(p); c["Public PEM"] != k["Public PEM"] || !strings.HasPrefix(c["Private PEM (keep secret)"], "-----BEGIN PRIVATE KEY-----") {
				t.Errorf("JWK → PEM gave %v", c)
			}
		}
		secrets = append(secrets, priv, tok)
	}
	// Keys for encryption too.
	for _, alg := range jwk.KeyManagementAlgorithms() {
		p.set("keygen-alg", string(alg))
		p.click("keygen-btn")
		if k := keyOut(p); k["Algorithm"] != string(alg) {
			t.Errorf("keygen %s showed %v", alg, k)
		} else {
			secrets = append(secrets, k["Private JWK (keep secret)"]+k["Secret JWK (keep secret)"])
		}
	}
	p.b.CheckRequests(t, srv.URL, secrets...)
}

func jsonNumber(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestWardEncryptDecrypts decrypts in the page JWEs that ward encrypt
// made: with an ECDH-ES key and with a password.
func TestWardEncryptDecrypts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	priv, pub := filepath.Join(dir, "enc.jwk"), filepath.Join(dir, "enc.pub.jwk")
	if _, stderr, code := ward(t, "keygen", "--alg", "ECDH-ES+A128KW", "--out", priv, "--public", pub); code != 0 {
		t.Fatalf("ward keygen: %s", stderr)
	}
	msg := writeFile(t, dir, "msg.txt", "the eagle lands at noon")
	tok, stderr, code := ward(t, "encrypt", "--key", pub, msg)
	if code != 0 {
		t.Fatalf("ward encrypt: %s", stderr)
	}
	pw := writeFile(t, dir, "pw.txt", "a long passphrase for PBES2")
	pwTok, stderr, code := ward(t, "encrypt", "--password-file", pw, "--alg", "PBES2-HS256+A128KW", msg)
	if code != 0 {
		t.Fatalf("ward encrypt --password-file: %s", stderr)
	}
	keyJWK, err := os.ReadFile(priv)
	if err != nil {
		t.Fatal(err)
	}

	srv := newDebuggerServer(t)
	p := openDebugger(t, srv.URL+"/debugger/")
	p.set("token", tok)
	if h := p.text("header"); !strings.Contains(h, `"alg": "ECDH-ES+A128KW"`) || !strings.Contains(p.text("claims"), "Encrypted") {
		t.Errorf("JWE shown as:\n%s\n%s", h, p.text("claims"))
	}
	if n := eval[int](p, `document.querySelectorAll("#parts .part").length`); n != 5 {
		t.Errorf("%d coloured parts, want 5", n)
	}
	p.set("decrypt-kind", "key")
	p.set("decrypt-key", string(keyJWK))
	p.set("decrypt-alg", "")
	p.click("decrypt-btn")
	if got := p.text("plaintext"); got != "the eagle lands at noon" {
		t.Errorf("decrypted %q (error %q)", got, p.text("decrypt-error"))
	}

	p.set("token", pwTok)
	p.set("decrypt-kind", "secret-text")
	p.set("decrypt-key", "a long passphrase for PBES2")
	p.set("decrypt-alg", "PBES2-HS256+A128KW")
	p.click("decrypt-btn")
	if got := p.text("plaintext"); got != "the eagle lands at noon" {
		t.Errorf("decrypted with the password: %q (error %q)", got, p.text("decrypt-error"))
	}
	p.set("decrypt-key", "the wrong passphrase")
	p.click("decrypt-btn")
	if e := p.text("decrypt-error"); !strings.Contains(e, "Cannot decrypt") {
		t.Errorf("wrong password: %q", e)
	}
	p.b.CheckRequests(t, srv.URL, strings.TrimSpace(tok), strings.TrimSpace(pwTok), string(keyJWK), "a long passphrase for PBES2", "the eagle lands")
}

// TestOfflinePhoneKeyboard checks that the page works offline once loaded
// (its service worker serves it after the server is gone), that it fits a
// 375-pixel-wide screen, that every control is labelled and that the
// controls are reached with the keyboard.
func TestOfflinePhoneKeyboard(t *testing.T) {
	t.Parallel()
	srv := newDebuggerServer(t)
	p := openDebugger(t, srv.URL+"/debugger/")

	unlabelled := eval[[]string](p, `Array.from(document.querySelectorAll("input, select, textarea"))
		.filter(el => el.labels.length === 0 && !el.getAttribute("aria-label")).map(el => el.id)`)
	if len(unlabelled) > 0 {
		t.Errorf("controls without a label: %v", unlabelled)
	}
	// Tab from the token box reaches the next buttons, in order.
	p.b.MustDo(t, chromedp.Focus(chromedp.ID("token")), chromedp.KeyEvent("\t"))
	if got := eval[string](p, `document.activeElement.id`); got != "share-btn" {
		t.Errorf("Tab from the token box went to %q, want share-btn", got)
	}

	// A phone-sized screen: nothing wider than the screen.
	p.b.MustDo(t, chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile))
	p.set("token", rfcA1Token)
	p.set("verify-key", rfcA1Key)
	p.click("verify-btn")
	if w := eval[int](p, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("at 375px the page is %dpx wide", w)
	}

	// Offline: once the service worker holds the files, the page loads and
	// decodes with the server gone.
	browsertest.Run(t, p.b, chromedp.Poll[bool](`navigator.serviceWorker.controller !== null || (location.reload(), false)`,
		chromedp.WithPollingTimeout(30*time.Second), chromedp.WithPollingInterval(2*time.Second)))
	p.waitReady()
	n := browsertest.Run(t, p.b, chromedp.Evaluate[int](`caches.open("ward-debugger-v1").then(c => c.keys()).then(k => k.length)`, chromedp.EvalAwaitPromise))
	if n < 6 {
		t.Fatalf("the service worker holds %d files", n)
	}
	srv.Close()
	p.open(srv.URL + "/debugger/#token=" + rfcA1Token)
	if got := p.text("claims"); !strings.Contains(got, `"iss": "joe"`) {
		t.Errorf("offline: claims shown:\n%s", got)
	}
	p.b.CheckRequests(t, srv.URL, rfcA1Token, rfcA1K)
}

// TestScreenshot renders the debugger with the RFC 7515 A.1 token verified;
// with -screenshot it writes ../docs/debugger.png (go test ./web -run
// TestScreenshot -screenshot).
func TestScreenshot(t *testing.T) {
	t.Parallel()
	srv := newDebuggerServer(t)
	p := openDebugger(t, srv.URL+"/debugger/")
	p.b.MustDo(t, chromedp.EmulateViewport(1440, 1280))
	p.verify(rfcA1Token, verifyForm{Kind: "key", Key: rfcA1Key, Alg: "HS256"})
	eval[bool](p, `(window.scrollTo(0, 0), true)`)
	png := browsertest.Run(t, p.b, chromedp.CaptureScreenshot())
	if len(png) < 1000 || string(png[1:4]) != "PNG" {
		t.Fatalf("screenshot: %d bytes", len(png))
	}
	if *writeScreenshot {
		if err := os.WriteFile("../docs/debugger.png", png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
