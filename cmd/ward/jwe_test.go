package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestJWEExitCodes checks the exit status of encrypt, decrypt and decode
// for each kind of failure, in-process (the .txtar scripts check the
// messages): 0 on success, 1 for a token or key that cannot be used, 2 for
// a usage error.
func TestJWEExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	write := func(name, data string) {
		if err := os.WriteFile(path(name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ward := func(stdin string, args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run(args, strings.NewReader(stdin), &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	// RFC 7516, Appendix A.3.
	write("a3.jwk", `{"kty":"oct","k":"GawgguFyGrWKav7AX4VKUg","alg":"A128KW"}`)
	write("a3.jwe", "eyJhbGciOiJBMTI4S1ciLCJlbmMiOiJBMTI4Q0JDLUhTMjU2In0.6KB707dM9YTIgHtLvtgWQ8mKwboJW3of9locizkDTHzBC2IlrT1oOQ.AxY8DCtDaGlsbGljb3RoZQ.KDlTtXchhZTGufMYmOYGS4HffxPSUrfmqCHXaI9wOGY.U0m_YmjN04DJvceFICbCVQ")
	write("other.jwk", `{"kty":"oct","k":"AAECAwQFBgcICQoLDA0ODw","alg":"A128KW"}`)
	write("bad.jwk", `{"kty":"oct","k":"!"}`)
	write("pw.txt", "correct horse battery staple\n")
	write("wrong-pw.txt", "incorrect horse\n")
	write("msg.txt", "hello")
	if code, _, stderr := ward("", "keygen", "--alg", "ECDH-ES+A128KW", "--out", path("ec.jwk"), "--public", path("ec.pub.jwk")); code != exitOK {
		t.Fatalf("keygen: %d %s", code, stderr)
	}
	code, tok, stderr := ward("", "encrypt", "--password-file", path("pw.txt"), "--alg", "PBES2-HS256+A128KW", path("msg.txt"))
	if code != exitOK {
		t.Fatalf("encrypt: %d %s", code, stderr)
	}
	write("pw.jwe", tok)

	for _, c := range []struct {
		name  string
		stdin string
		args  []string
		want  int
	}{
		{"decrypt ok", "", []string{"decrypt", "--key", path("a3.jwk"), path("a3.jwe")}, exitOK},
		{"decrypt password ok", "", []string{"decrypt", "--password-file", path("pw.txt"), path("pw.jwe")}, exitOK},
		{"encrypt ok", "x", []string{"encrypt", "--key", path("ec.pub.jwk"), "-"}, exitOK},
		{"decode ok", "", []string{"decode", path("a3.jwe")}, exitOK},
		{"decrypt wrong key", "", []string{"decrypt", "--key", path("other.jwk"), path("a3.jwe")}, exitInvalid},
		{"decrypt wrong password", "", []string{"decrypt", "--password-file", path("wrong-pw.txt"), path("pw.jwe")}, exitInvalid},
		{"decrypt bad key", "", []string{"decrypt", "--key", path("bad.jwk"), path("a3.jwe")}, exitInvalid},
		{"decrypt disallowed alg", "", []string{"decrypt", "--password-file", path("pw.txt"), "--alg", "PBES2-HS512+A256KW", path("pw.jwe")}, exitInvalid},
		{"decrypt disallowed enc", "", []string{"decrypt", "--key", path("a3.jwk"), "--enc", "A256GCM", path("a3.jwe")}, exitInvalid},
		{"decrypt malformed token", "a.b.c.d", []string{"decrypt", "--key", path("a3.jwk"), "-"}, exitInvalid},
		{"decrypt JWS", "eyJhbGciOiJIUzI1NiJ9.e30.c2ln", []string{"decrypt", "--key", path("a3.jwk"), "-"}, exitInvalid},
		{"decrypt missing key file", "", []string{"decrypt", "--key", path("missing.jwk"), path("a3.jwe")}, exitInvalid},
		{"decrypt missing password file", "", []string{"decrypt", "--password-file", path("missing.txt"), path("pw.jwe")}, exitInvalid},
		{"encrypt missing input", "", []string{"encrypt", "--key", path("ec.pub.jwk"), path("missing.txt")}, exitInvalid},
		{"encrypt bad key", "x", []string{"encrypt", "--key", path("bad.jwk"), "-"}, exitInvalid},
		{"decode malformed JWE", "", []string{"decode", "a.b.c.d.e"}, exitInvalid},
		{"decrypt no key", "", []string{"decrypt", path("a3.jwe")}, exitUsage},
		{"decrypt unknown alg", "", []string{"decrypt", "--key", path("a3.jwk"), "--alg", "A512KW", path("a3.jwe")}, exitUsage},
		{"decrypt RSA1_5", "", []string{"decrypt", "--key", path("a3.jwk"), "--alg", "RSA1_5", path("a3.jwe")}, exitUsage},
		{"decrypt public key", "", []string{"decrypt", "--key", path("ec.pub.jwk"), path("a3.jwe")}, exitUsage},
		{"decrypt unknown flag", "", []string{"decrypt", "--bogus"}, exitUsage},
		{"encrypt two keys", "x", []string{"encrypt", "--key", path("ec.pub.jwk"), "--password-file", path("pw.txt"), "-"}, exitUsage},
		{"encrypt unknown enc", "x", []string{"encrypt", "--key", path("ec.pub.jwk"), "--enc", "A192GCM", "-"}, exitUsage},
		{"encrypt signature alg", "x", []string{"encrypt", "--key", path("ec.pub.jwk"), "--alg", "ES256", "-"}, exitUsage},
		{"keygen unknown curve", "", []string{"keygen", "--alg", "ECDH-ES", "--crv", "P-224", "--out", path("x.jwk")}, exitUsage},
		{"keygen existing file", "", []string{"keygen", "--alg", "A128KW", "--out", path("a3.jwk")}, exitInvalid},
	} {
		if code, _, stderr := ward(c.stdin, c.args...); code != c.want {
			t.Errorf("%s: exit %d, want %d; stderr:\n%s", c.name, code, c.want, stderr)
		}
	}
}
