package interop

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"

	"github.com/wardauth/ward/jose/jwe"
	"github.com/wardauth/ward/jose/jwk"
	wardjwt "github.com/wardauth/ward/jose/jwt"
)

// The JWE interop tests: for every key-management algorithm (and curve)
// and every content encryption a peer supports, Ward encrypts and the peer
// decrypts, and the peer encrypts and Ward decrypts; A128CBC-HS256 tokens
// are compressed ("zip":"DEF") both ways. Then nested JWTs (signed, then
// encrypted) both ways.

// jweKey is one key-management key in every form the libraries want.
type jweKey struct {
	alg  jwk.Algorithm
	crv  string  // "P-256", "P-384", "P-521", "X25519" for ECDH-ES; "" otherwise
	ward jwk.Key // *jwk.PrivateKey or *jwk.SecretKey (a PBES2 password)
	priv any     // []byte, *rsa.PrivateKey, *ecdsa.PrivateKey or *ecdh.PrivateKey
	pub  any     // []byte, *rsa.PublicKey, *ecdsa.PublicKey or *ecdh.PublicKey
}

func (k *jweKey) name() string {
	if k.crv != "" {
		return string(k.alg) + "/" + k.crv
	}
	return string(k.alg)
}

// wardPublic is the key Ward encrypts to.
func (k *jweKey) wardPublic() jwk.Key {
	if p, ok := k.ward.(*jwk.PrivateKey); ok {
		return p.Public()
	}
	return k.ward
}

// secretFor returns the dir key for enc (its own size), or k's secret.
func (k *jweKey) forEnc(tb testing.TB, enc jwe.Encryption) *jweKey {
	if k.alg != jwk.Dir {
		return k
	}
	secret := make([]byte, enc.KeySize())
	rand.Read(secret)
	w, err := jwk.NewSecretKey(secret, jwk.Dir)
	if err != nil {
		tb.Fatal(err)
	}
	return &jweKey{alg: jwk.Dir, ward: w.WithKeyID("dir-" + string(enc)), priv: secret, pub: secret}
}

// jwePassword is the PBES2 password, and jwePBES2Count the iteration count
// every library encrypts with (low, to keep the tests fast; each
// library's minimum is 1000).
const (
	jwePassword   = "correct horse battery staple"
	jwePBES2Count = 4096
)

// jwePlaintext is what every token encrypts: JSON that compresses.
var jwePlaintext = []byte(`{"iss":"https://issuer.example","sub":"user-1234","scope":"` + strings.Repeat("read write ", 20) + `"}`)

var (
	jweKeysOnce sync.Once
	jweKeys     []*jweKey
	jweKeysErr  error
)

// allJWEKeys returns one key per key-management algorithm and curve, made
// once per test binary. dir keys are made per content encryption by
// forEnc.
func allJWEKeys(tb testing.TB) []*jweKey {
	tb.Helper()
	jweKeysOnce.Do(func() { jweKeys, jweKeysErr = makeJWEKeys() })
	if jweKeysErr != nil {
		tb.Fatalf("making JWE keys: %v", jweKeysErr)
	}
	return jweKeys
}

func makeJWEKeys() ([]*jweKey, error) {
	var keys []*jweKey
	add := func(alg jwk.Algorithm, crv string, w jwk.Key, err error, priv, pub any) error {
		if err != nil {
			return fmt.Errorf("%s %s: %w", alg, crv, err)
		}
		keys = append(keys, &jweKey{alg: alg, crv: crv, ward: w, priv: priv, pub: pub})
		return nil
	}
	keys = append(keys, &jweKey{alg: jwk.Dir}) // made per enc by forEnc
	for _, c := range []struct {
		alg  jwk.Algorithm
		size int
	}{{jwk.A128KW, 16}, {jwk.A256KW, 32}} {
		secret := make([]byte, c.size)
		rand.Read(secret)
		w, err := jwk.NewSecretKey(secret, c.alg)
		if err := add(c.alg, "", w, err, secret, secret); err != nil {
			return nil, err
		}
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	for _, alg := range []jwk.Algorithm{jwk.RSAOAEP, jwk.RSAOAEP256} {
		w, err := jwk.NewPrivateKey(rsaKey, alg)
		if err := add(alg, "", w, err, rsaKey, &rsaKey.PublicKey); err != nil {
			return nil, err
		}
	}
	for _, curve := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		ec, err := ecdsa.GenerateKey(curve, rand.Reader)
		if err != nil {
			return nil, err
		}
		e, err := ec.ECDH()
		if err != nil {
			return nil, err
		}
		for _, alg := range []jwk.Algorithm{jwk.ECDHES, jwk.ECDHESA128KW, jwk.ECDHESA256KW} {
			w, err := jwk.NewECDHPrivateKey(e, alg)
			if err := add(alg, curve.Params().Name, w, err, ec, &ec.PublicKey); err != nil {
				return nil, err
			}
		}
	}
	x, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	for _, alg := range []jwk.Algorithm{jwk.ECDHES, jwk.ECDHESA128KW, jwk.ECDHESA256KW} {
		w, err := jwk.NewECDHPrivateKey(x, alg)
		if err := add(alg, jwk.CurveX25519, w, err, x, x.PublicKey()); err != nil {
			return nil, err
		}
	}
	for _, alg := range []jwk.Algorithm{jwk.PBES2HS256A128KW, jwk.PBES2HS512A256KW} {
		w, err := jwk.NewSecretKey([]byte(jwePassword), alg)
		if err := add(alg, "", w, err, []byte(jwePassword), []byte(jwePassword)); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// A jwePeer is another library's JWE, seen through what the tests need.
type jwePeer struct {
	name string
	// supports reports whether the peer implements alg on crv.
	supports func(k *jweKey) bool
	// encrypt encrypts plaintext to k's public key (or secret) as enc,
	// with "zip":"DEF" if zip is set and "cty" if cty is not empty.
	encrypt func(k *jweKey, enc jwe.Encryption, zip bool, cty string, plaintext []byte) (string, error)
	// decrypt decrypts tok with k's private key (or secret), allowing
	// only k.alg and enc.
	decrypt func(k *jweKey, enc jwe.Encryption, tok string) ([]byte, error)
	// nestedSign signs the test claims with f, then encrypts the JWT to k
	// as enc with "cty":"JWT".
	nestedSign func(tb testing.TB, f *fixture, k *jweKey, enc jwe.Encryption) string
	// nestedVerify decrypts tok with k, checks "cty":"JWT", verifies the
	// inner JWT with f and returns its subject and roles.
	nestedVerify func(f *fixture, k *jweKey, enc jwe.Encryption, tok string) (sub string, roles []string, err error)
}

// jwePeers is filled by the peer files (jwx only with GOEXPERIMENT=jsonv2).
var jwePeers = []*jwePeer{goJoseJWE}

func wardDecrypter(tb testing.TB, k *jweKey, enc jwe.Encryption) *jwe.Decrypter {
	tb.Helper()
	d := &jwe.Decrypter{Keys: mustSet(tb, k.ward), KeyAlgorithms: []jwk.Algorithm{k.alg}, Encryptions: []jwe.Encryption{enc}}
	if err := d.Check(); err != nil {
		tb.Fatal(err)
	}
	return d
}

// tamperJWE changes the first character of the ciphertext segment.
func tamperJWE(tok string) string {
	seg := strings.Split(tok, ".")
	c := byte('A')
	if seg[3][0] == 'A' {
		c = 'B'
	}
	seg[3] = string(c) + seg[3][1:]
	return strings.Join(seg, ".")
}

// TestJWEWardToPeers: Ward encrypts, each peer decrypts.
func TestJWEWardToPeers(t *testing.T) {
	t.Parallel()
	for _, p := range jwePeers {
		for _, k0 := range allJWEKeys(t) {
			if !p.supports(k0) {
				t.Logf("%s does not support %s", p.name, k0.name())
				continue
			}
			for _, enc := range jwe.Encryptions() {
				k := k0.forEnc(t, enc)
				zip := enc == jwe.A128CBCHS256
				t.Run(p.name+"/"+k0.name()+"/"+string(enc), func(t *testing.T) {
					tok, err := jwe.Encrypt(jwePlaintext, k.wardPublic(), &jwe.EncryptOptions{
						Encryption: enc, Compress: zip, PBES2Count: jwePBES2Count,
					})
					if err != nil {
						t.Fatalf("ward encrypt: %v", err)
					}
					got, err := p.decrypt(k, enc, tok)
					if err != nil {
						t.Fatalf("%s rejects Ward's token: %v", p.name, err)
					}
					if !bytes.Equal(got, jwePlaintext) {
						t.Fatalf("%s decrypted %q", p.name, got)
					}
					if _, err := p.decrypt(k, enc, tamperJWE(tok)); err == nil {
						t.Fatalf("%s accepts a tampered token", p.name)
					}
				})
			}
		}
	}
}

// TestJWEPeersToWard: each peer encrypts, Ward decrypts.
func TestJWEPeersToWard(t *testing.T) {
	t.Parallel()
	for _, p := range jwePeers {
		for _, k0 := range allJWEKeys(t) {
			if !p.supports(k0) {
				continue
			}
			for _, enc := range jwe.Encryptions() {
				k := k0.forEnc(t, enc)
				zip := enc == jwe.A128CBCHS256
				t.Run(p.name+"/"+k0.name()+"/"+string(enc), func(t *testing.T) {
					tok, err := p.encrypt(k, enc, zip, "", jwePlaintext)
					if err != nil {
						t.Fatalf("%s encrypt: %v", p.name, err)
					}
					d := wardDecrypter(t, k, enc)
					res, err := d.Decrypt(tok)
					if err != nil {
						t.Fatalf("Ward rejects %s's token: %v\n%s", p.name, err, tok)
					}
					if !bytes.Equal(res.Plaintext, jwePlaintext) {
						t.Fatalf("Ward decrypted %q", res.Plaintext)
					}
					if res.Header.Algorithm != k.alg || res.Header.Encryption != enc || (res.Header.Compression == "DEF") != zip {
						t.Fatalf("header %+v", res.Header)
					}
					if _, err := d.Decrypt(tamperJWE(tok)); !errors.Is(err, jwe.ErrDecryption) {
						t.Fatalf("tampered token: %v, want ErrDecryption", err)
					}
				})
			}
		}
	}
}

// nestedKeys are the keys of the nested JWT tests: an ES256 signing key
// and three encryption keys.
func nestedKeys(t *testing.T) (*fixture, []*jweKey) {
	f := allFixtures(t)[jwk.ES256]
	var keys []*jweKey
	for _, k := range allJWEKeys(t) {
		if (k.alg == jwk.ECDHESA128KW && k.crv == "P-256") || k.alg == jwk.RSAOAEP256 || k.alg == jwk.A256KW {
			keys = append(keys, k)
		}
	}
	return f, keys
}

// TestNestedJWTPeersToWard: a peer signs, then encrypts; Ward's
// jwt.Decrypter decrypts and verifies.
func TestNestedJWTPeersToWard(t *testing.T) {
	t.Parallel()
	f, keys := nestedKeys(t)
	for _, p := range jwePeers {
		for _, k := range keys {
			t.Run(p.name+"/"+k.name(), func(t *testing.T) {
				tok := p.nestedSign(t, f, k, jwe.A256GCM)
				d := &wardjwt.Decrypter{
					JWE:      wardDecrypter(t, k, jwe.A256GCM),
					Verifier: wardVerifier(t, f.verify),
				}
				var c wardClaims
				if err := d.VerifyInto(tok, &c); err != nil {
					t.Fatalf("Ward rejects %s's nested JWT: %v", p.name, err)
				}
				if err := checkClaims(c.Subject, c.Roles); err != nil {
					t.Fatal(err)
				}
				// The inner JWS alone is not accepted where a JWE is required.
				inner, err := (&jwe.Decrypter{Keys: mustSet(t, k.ward)}).Decrypt(tok)
				if err != nil {
					t.Fatal(err)
				}
				if err := d.VerifyInto(string(inner.Plaintext), &c); !errors.Is(err, wardjwt.ErrNotNested) {
					t.Fatalf("inner JWS given to the Decrypter: %v, want ErrNotNested", err)
				}
			})
		}
	}
}

// TestNestedJWTWardToPeers: Ward's jwt.Encrypter signs, then encrypts; the
// peer decrypts and verifies.
func TestNestedJWTWardToPeers(t *testing.T) {
	t.Parallel()
	f, keys := nestedKeys(t)
	for _, p := range jwePeers {
		for _, k := range keys {
			t.Run(p.name+"/"+k.name(), func(t *testing.T) {
				e := &wardjwt.Encrypter{
					Signer:  &wardjwt.Signer{Key: f.ward},
					Key:     k.wardPublic(),
					Options: jwe.EncryptOptions{Encryption: jwe.A256GCM},
				}
				tok, err := e.Encrypt(newWardClaims(time.Now()))
				if err != nil {
					t.Fatal(err)
				}
				sub, roles, err := p.nestedVerify(f, k, jwe.A256GCM, tok)
				if err != nil {
					t.Fatalf("%s rejects Ward's nested JWT: %v", p.name, err)
				}
				if err := checkClaims(sub, roles); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// ---- go-jose ----

var goJoseJWE = &jwePeer{
	name: "go-jose",
	// go-jose v4 has no X25519 ECDH-ES.
	supports: func(k *jweKey) bool { return k.crv != jwk.CurveX25519 },
	encrypt: func(k *jweKey, enc jwe.Encryption, zip bool, cty string, plaintext []byte) (string, error) {
		e, err := joseEncrypter(k, enc, zip, cty)
		if err != nil {
			return "", err
		}
		obj, err := e.Encrypt(plaintext)
		if err != nil {
			return "", err
		}
		return obj.CompactSerialize()
	},
	decrypt: func(k *jweKey, enc jwe.Encryption, tok string) ([]byte, error) {
		obj, err := jose.ParseEncryptedCompact(tok, []jose.KeyAlgorithm{jose.KeyAlgorithm(k.alg)}, []jose.ContentEncryption{jose.ContentEncryption(enc)})
		if err != nil {
			return nil, err
		}
		return obj.Decrypt(k.priv)
	},
	nestedSign: func(tb testing.TB, f *fixture, k *jweKey, enc jwe.Encryption) string {
		tb.Helper()
		e, err := joseEncrypter(k, enc, false, "JWT")
		if err != nil {
			tb.Fatal(err)
		}
		tok, err := josejwt.SignedAndEncrypted(newJoseSigner(tb, f, true), e).Claims(newJoseClaims(time.Now())).Serialize()
		if err != nil {
			tb.Fatalf("go-jose nested: %v", err)
		}
		return tok
	},
	nestedVerify: func(f *fixture, k *jweKey, enc jwe.Encryption, tok string) (string, []string, error) {
		if k.ward.KeyType() != jwk.KeyTypeOct {
			// go-jose's jwt package refuses asymmetric key management
			// for nested JWTs (anyone can encrypt to a public key), so
			// decrypt with its jose package and verify the inner JWT.
			obj, err := jose.ParseEncryptedCompact(tok, []jose.KeyAlgorithm{jose.KeyAlgorithm(k.alg)}, []jose.ContentEncryption{jose.ContentEncryption(enc)})
			if err != nil {
				return "", nil, err
			}
			if cty, _ := obj.Header.ExtraHeaders[jose.HeaderContentType].(string); cty != "JWT" {
				return "", nil, fmt.Errorf("cty %q", cty)
			}
			inner, err := obj.Decrypt(k.priv)
			if err != nil {
				return "", nil, err
			}
			c, err := joseVerify(f.alg, f.pub, string(inner))
			if err != nil {
				return "", nil, err
			}
			return c.Subject, c.Roles, nil
		}
		n, err := josejwt.ParseSignedAndEncrypted(tok,
			[]jose.KeyAlgorithm{jose.KeyAlgorithm(k.alg)},
			[]jose.ContentEncryption{jose.ContentEncryption(enc)},
			[]jose.SignatureAlgorithm{jose.SignatureAlgorithm(f.alg)})
		if err != nil {
			return "", nil, err
		}
		t, err := n.Decrypt(k.priv)
		if err != nil {
			return "", nil, err
		}
		var c joseClaims
		if err := t.Claims(f.pub, &c); err != nil {
			return "", nil, err
		}
		if err := joseVerifyClaims(&c); err != nil {
			return "", nil, err
		}
		return c.Subject, c.Roles, nil
	},
}

func joseEncrypter(k *jweKey, enc jwe.Encryption, zip bool, cty string) (jose.Encrypter, error) {
	opts := &jose.EncrypterOptions{}
	if zip {
		opts.Compression = jose.DEFLATE
	}
	if cty != "" {
		opts = opts.WithContentType(jose.ContentType(cty))
	}
	rcpt := jose.Recipient{Algorithm: jose.KeyAlgorithm(k.alg), Key: k.pub, KeyID: k.ward.KeyID()}
	if strings.HasPrefix(string(k.alg), "PBES2") {
		rcpt.PBES2Count = jwePBES2Count
	}
	return jose.NewEncrypter(jose.ContentEncryption(enc), rcpt, opts)
}
