package jwk_test

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/jose/jwk"
)

func thumbprint(t *testing.T, k jwk.Key) string {
	t.Helper()
	tp, err := jwk.Thumbprint(k, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return base64url.EncodeToString(tp)
}

// Every vector file parses: JWK Sets with ParseSet, single keys with
// ParseKey. The tests below check what each one holds.
func TestVectorsParse(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) < 12 {
		t.Fatalf("found %d vector files: %v", len(files), err)
	}
	// The RSA private key of RFC 7517, Appendix C.1 has no "alg".
	algs := map[string]jwk.Algorithm{"rfc7517-C.1-plaintext-rsa-private-key.json": jwk.RS256}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data := readTestdata(t, name)
			if bytes.Contains(data, []byte(`"keys"`)) {
				s, err := jwk.ParseSet(data)
				if err != nil {
					t.Fatal(err)
				}
				if s.Len() == 0 {
					t.Error("empty set")
				}
				return
			}
			mustParseKey(t, data, algs[name])
		})
	}
}

// RFC 7517, Appendix A.1: an EC public key for encryption, without "alg",
// and an RSA public key for RS256.
func TestRFC7517A1PublicKeys(t *testing.T) {
	t.Parallel()
	s, err := jwk.ParseSet(readTestdata(t, "rfc7517-A.1-public-keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 2 {
		t.Fatalf("Len = %d, want 2", s.Len())
	}
	ec, ok := s.Keys()[0].(*jwk.PublicKey)
	if !ok {
		t.Fatalf("key 0 is %T, want *jwk.PublicKey", s.Keys()[0])
	}
	// "use":"enc" and no "alg": bound to ECDH-ES, never to a signature algorithm.
	if ec.KeyType() != "EC" || ec.Algorithm() != jwk.ECDHES || ec.KeyID() != "1" || ec.Use() != "enc" {
		t.Errorf("EC key: kty %q alg %q kid %q use %q", ec.KeyType(), ec.Algorithm(), ec.KeyID(), ec.Use())
	}
	rsaKey, ok := s.Keys()[1].(*jwk.PublicKey)
	if !ok {
		t.Fatalf("key 1 is %T, want *jwk.PublicKey", s.Keys()[1])
	}
	if rsaKey.KeyType() != "RSA" || rsaKey.Algorithm() != jwk.RS256 || rsaKey.KeyID() != "2011-04-29" || rsaKey.Use() != "" {
		t.Errorf("RSA key: kty %q alg %q kid %q use %q", rsaKey.KeyType(), rsaKey.Algorithm(), rsaKey.KeyID(), rsaKey.Use())
	}
	if bits := rsaKey.CryptoPublicKey().(*rsa.PublicKey).N.BitLen(); bits != 2048 {
		t.Errorf("RSA modulus has %d bits, want 2048", bits)
	}
	// RFC 7638, Section 3.1 takes the thumbprint of this same RSA key.
	if got, want := thumbprint(t, rsaKey), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"; got != want {
		t.Errorf("thumbprint = %s, want %s", got, want)
	}
	if got := s.Lookup("2011-04-29"); len(got) != 1 || got[0] != jwk.Key(rsaKey) {
		t.Errorf("Lookup(2011-04-29) = %v", got)
	}
}

// RFC 7517, Appendix A.2: the keys of A.1 with their private members.
func TestRFC7517A2PrivateKeys(t *testing.T) {
	t.Parallel()
	priv, err := jwk.ParseSet(readTestdata(t, "rfc7517-A.2-private-keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := jwk.ParseSet(readTestdata(t, "rfc7517-A.1-public-keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	if priv.Len() != 2 {
		t.Fatalf("Len = %d, want 2", priv.Len())
	}
	for i, k := range priv.Keys() {
		pk, ok := k.(*jwk.PrivateKey)
		if !ok {
			t.Fatalf("key %d is %T, want *jwk.PrivateKey", i, k)
		}
		if err := keysEqual(pk.Public(), pub.Keys()[i]); err != nil {
			t.Errorf("key %d: public half differs from A.1: %v", i, err)
		}
		// The private key must sign what the A.1 public key verifies.
		digest := sha256.Sum256([]byte("RFC 7517, Appendix A.2"))
		sig, err := pk.Signer().Sign(nil, digest[:], crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if !verifyDigest(pub.Keys()[i].(*jwk.PublicKey), digest[:], sig) {
			t.Errorf("key %d: signature does not verify with the A.1 public key", i)
		}
	}
	if got := priv.Keys()[0].(*jwk.PrivateKey).Public().Use(); got != "enc" {
		t.Errorf("EC use = %q, want enc", got)
	}
}

// RFC 7517, Appendix A.3: an A128KW key, bound to that JWE key-management
// algorithm, and the 64-byte HMAC key of RFC 7515, Appendix A.1, which has
// no "alg" and so stays unbound.
func TestRFC7517A3SymmetricKeys(t *testing.T) {
	t.Parallel()
	data := readTestdata(t, "rfc7517-A.3-symmetric-keys.json")
	s, err := jwk.ParseSet(data)
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 2 {
		t.Fatalf("Len = %d, want 2", s.Len())
	}
	if kw, ok := s.Keys()[0].(*jwk.SecretKey); !ok || kw.Algorithm() != jwk.A128KW || kw.Len() != 16 {
		t.Errorf("first key is %T bound to %q, want a 16-byte A128KW *jwk.SecretKey", s.Keys()[0], s.Keys()[0].Algorithm())
	}
	sk, ok := s.Keys()[1].(*jwk.SecretKey)
	if !ok {
		t.Fatalf("key is %T, want *jwk.SecretKey", s.Keys()[1])
	}
	if sk.Algorithm() != "" || sk.Len() != 64 || sk.KeyID() != "HMAC key used in JWS spec Appendix A.1 example" {
		t.Errorf("secret: alg %q len %d kid %q", sk.Algorithm(), sk.Len(), sk.KeyID())
	}
	if _, err := sk.AppendMAC(nil, []byte("x")); !errors.Is(err, jwk.ErrUnbound) {
		t.Errorf("AppendMAC on an unbound key: %v, want ErrUnbound", err)
	}
	// RFC 7515, Appendix A.1 uses this key with HS256.
	bound, err := sk.WithAlgorithm(jwk.HS256)
	if err != nil {
		t.Fatal(err)
	}
	const (
		input = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
		mac   = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	)
	got, err := bound.AppendMAC(nil, []byte(input))
	if err != nil {
		t.Fatal(err)
	}
	if base64url.EncodeToString(got) != mac {
		t.Errorf("RFC 7515 A.1 HMAC = %s, want %s", base64url.EncodeToString(got), mac)
	}
	// Alone, the A128KW key is bound to A128KW and never makes a MAC:
	// A128KW is a JWE key-management algorithm, not a JWS one.
	var raw struct{ Keys []json.RawMessage }
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	kw, err := jwk.ParseKey(raw.Keys[0], "")
	if err != nil || kw.Algorithm() != jwk.A128KW {
		t.Fatalf("ParseKey(A128KW key) = %v, %v; want an A128KW key", kw, err)
	}
	if _, err := kw.(*jwk.SecretKey).AppendMAC(nil, []byte(input)); !errors.Is(err, jwk.ErrUnbound) {
		t.Errorf("AppendMAC with an A128KW key: %v, want ErrUnbound", err)
	}
}

// RFC 7517, Appendix B: an RSA key with an "x5c" chain. The chain is
// ignored; the key comes from "n" and "e" alone.
func TestRFC7517BX5C(t *testing.T) {
	t.Parallel()
	data := readTestdata(t, "rfc7517-B-x5c.json")
	k, err := jwk.ParseKey(data, "")
	if err != nil {
		t.Fatal(err)
	}
	pk, ok := k.(*jwk.PublicKey)
	if !ok {
		t.Fatalf("key is %T, want *jwk.PublicKey", k)
	}
	if pk.Algorithm() != "" || pk.KeyID() != "1b94c" || pk.Use() != "sig" {
		t.Errorf("alg %q kid %q use %q; want unbound, 1b94c, sig", pk.Algorithm(), pk.KeyID(), pk.Use())
	}
	// Cross-check: the certificate in x5c holds the same key. (Parsing
	// does not look at it.)
	var raw struct{ X5C []string }
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	der, err := base64.StdEncoding.DecodeString(raw.X5C[0])
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if !cert.PublicKey.(*rsa.PublicKey).Equal(pk.CryptoPublicKey()) {
		t.Error("x5c certificate key differs from n, e")
	}
	// Marshaling drops x5c.
	out, err := pk.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte("x5c")) {
		t.Errorf("MarshalJSON kept x5c: %s", out)
	}
}

// RFC 7517, Appendix C: the RSA private key of C.1, encrypted into the JWE
// of C.8. The test decrypts C.8 (PBES2-HS256+A128KW, A128CBC-HS256, with the
// passphrase of C.4), checks that the plaintext is exactly the C.1 file, and
// parses it.
func TestRFC7517CEncryptedKey(t *testing.T) {
	t.Parallel()
	plaintext := readTestdata(t, "rfc7517-C.1-plaintext-rsa-private-key.json")
	compact := strings.TrimSpace(string(readTestdata(t, "rfc7517-C.8-encrypted-jwk.txt")))
	got := decryptRFC7517C(t, compact, "Thus from my lips, by yours, my sin is purged.")
	if !bytes.Equal(got, plaintext) {
		t.Fatalf("C.8 decrypts to\n%s\nwant the C.1 file\n%s", got, plaintext)
	}
	// The JWK has no "alg", and a private RSA key must be bound.
	if _, err := jwk.ParseKey(plaintext, ""); !errors.Is(err, jwk.ErrUnbound) {
		t.Errorf("ParseKey(C.1, \"\") = %v, want ErrUnbound", err)
	}
	k, err := jwk.ParseKey(plaintext, jwk.PS256)
	if err != nil {
		t.Fatal(err)
	}
	pk, ok := k.(*jwk.PrivateKey)
	if !ok {
		t.Fatalf("key is %T, want *jwk.PrivateKey", k)
	}
	if pk.Algorithm() != jwk.PS256 || pk.KeyID() != "juliet@capulet.lit" || pk.Public().Use() != "enc" {
		t.Errorf("alg %q kid %q use %q", pk.Algorithm(), pk.KeyID(), pk.Public().Use())
	}
	if err := pk.Signer().(*rsa.PrivateKey).Validate(); err != nil {
		t.Error(err)
	}
}

// decryptRFC7517C decrypts a compact JWE made with PBES2-HS256+A128KW and
// A128CBC-HS256 (RFC 7518, Sections 4.8 and 5.2.3), enough for RFC 7517,
// Appendix C and nothing else.
func decryptRFC7517C(t *testing.T, compact, passphrase string) []byte {
	t.Helper()
	parts := strings.Split(compact, ".")
	if len(parts) != 5 {
		t.Fatalf("JWE has %d parts", len(parts))
	}
	dec := func(s string) []byte {
		b, err := base64url.DecodeString(s)
		if err != nil {
			t.Fatalf("base64url %q: %v", s, err)
		}
		return b
	}
	var hdr struct {
		Alg, Enc, Cty, P2S string
		P2C                int
	}
	if err := json.Unmarshal(dec(parts[0]), &hdr); err != nil {
		t.Fatal(err)
	}
	if hdr.Alg != "PBES2-HS256+A128KW" || hdr.Enc != "A128CBC-HS256" || hdr.Cty != "jwk+json" || hdr.P2C != 4096 {
		t.Fatalf("unexpected header %+v", hdr)
	}
	salt := append(append([]byte(hdr.Alg), 0), dec(hdr.P2S)...) // RFC 7518, Section 4.8.1.1
	kek, err := pbkdf2.Key(sha256.New, passphrase, salt, hdr.P2C, 16)
	if err != nil {
		t.Fatal(err)
	}
	cek := aesKeyUnwrap(t, kek, dec(parts[1]))
	iv, ciphertext, tag := dec(parts[2]), dec(parts[3]), dec(parts[4])
	macKey, encKey := cek[:16], cek[16:] // RFC 7518, Section 5.2.2.1
	aad := []byte(parts[0])
	mac := hmac.New(sha256.New, macKey)
	mac.Write(aad)
	mac.Write(iv)
	mac.Write(ciphertext)
	mac.Write(binary.BigEndian.AppendUint64(nil, uint64(len(aad))*8))
	if !hmac.Equal(mac.Sum(nil)[:16], tag) {
		t.Fatal("JWE authentication tag does not match")
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		t.Fatal(err)
	}
	pt := make([]byte, len(ciphertext))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(pt, ciphertext)
	pad := int(pt[len(pt)-1])
	if pad < 1 || pad > 16 {
		t.Fatal("bad padding")
	}
	return pt[:len(pt)-pad]
}

// aesKeyUnwrap is the AES key unwrap of RFC 3394, Section 2.2.2.
func aesKeyUnwrap(t *testing.T, kek, wrapped []byte) []byte {
	t.Helper()
	block, err := aes.NewCipher(kek)
	if err != nil {
		t.Fatal(err)
	}
	n := len(wrapped)/8 - 1
	a := binary.BigEndian.Uint64(wrapped)
	r := append([]byte(nil), wrapped[8:]...)
	var b [16]byte
	for j := 5; j >= 0; j-- {
		for i := n; i >= 1; i-- {
			binary.BigEndian.PutUint64(b[:8], a^uint64(n*j+i))
			copy(b[8:], r[(i-1)*8:i*8])
			block.Decrypt(b[:], b[:])
			a = binary.BigEndian.Uint64(b[:8])
			copy(r[(i-1)*8:], b[8:])
		}
	}
	if a != 0xA6A6A6A6A6A6A6A6 {
		t.Fatal("AES key unwrap: integrity check failed")
	}
	return r
}

// RFC 7638, Section 3.1: the thumbprint of an RSA key.
func TestRFC7638Thumbprint(t *testing.T) {
	t.Parallel()
	k := mustParseKey(t, readTestdata(t, "rfc7638-3.1-rsa-public-key.json"), "")
	if got, want := thumbprint(t, k), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"; got != want {
		t.Errorf("thumbprint = %s, want %s", got, want)
	}
	if k.KeyID() != "2011-04-29" {
		t.Errorf("kid = %q: an explicit kid must win over the thumbprint", k.KeyID())
	}
}

// RFC 8037, Appendices A.1 to A.4: an Ed25519 key pair, its thumbprint,
// and a signature.
func TestRFC8037Ed25519(t *testing.T) {
	t.Parallel()
	priv, ok := mustParseKey(t, readTestdata(t, "rfc8037-A.1-ed25519-private-key.json"), "").(*jwk.PrivateKey)
	if !ok {
		t.Fatal("A.1 did not parse as a private key")
	}
	pub, ok := mustParseKey(t, readTestdata(t, "rfc8037-A.2-ed25519-public-key.json"), "").(*jwk.PublicKey)
	if !ok {
		t.Fatal("A.2 did not parse as a public key")
	}
	// A.3: the thumbprint, which is also the default kid.
	const want = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
	for _, k := range []jwk.Key{priv, pub} {
		if got := thumbprint(t, k); got != want {
			t.Errorf("%T thumbprint = %s, want %s", k, got, want)
		}
		if k.KeyID() != want || k.Algorithm() != jwk.EdDSA {
			t.Errorf("%T kid %q alg %q, want the thumbprint and EdDSA", k, k.KeyID(), k.Algorithm())
		}
	}
	if err := keysEqual(priv.Public(), pub); err != nil {
		t.Errorf("A.1 public half differs from A.2: %v", err)
	}
	// A.4: Ed25519 is deterministic, so the signature must match exactly.
	const (
		input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
		sig   = "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
	)
	got, err := priv.Signer().Sign(nil, []byte(input), crypto.Hash(0))
	if err != nil {
		t.Fatal(err)
	}
	if base64url.EncodeToString(got) != sig {
		t.Errorf("A.4 signature = %s, want %s", base64url.EncodeToString(got), sig)
	}
	if !ed25519.Verify(pub.CryptoPublicKey().(ed25519.PublicKey), []byte(input), got) {
		t.Error("A.4 signature does not verify with A.2")
	}
}
