package interop

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/wardauth/ward/jose/jwe"
	"github.com/wardauth/ward/jose/jwk"
)

// The JWE decrypt benchmarks follow the verify benchmarks' spec: Ward
// encrypts one token per (alg, enc) pair once, in setup, and every library
// decrypts those same bytes with the algorithms pinned. The floor is the
// bare stdlib work: split, base64url-decode into reused buffers and the
// crypto (AES-GCM open; ECDH, Concat KDF, AES key unwrap and GCM open;
// RSA-OAEP decrypt and GCM open), no JSON.

// jweBenchPayload is a nested JWT's size of plaintext.
var jweBenchPayload = []byte(`{"iss":"https://issuer.example","sub":"user-1234","aud":"api.example","exp":4102444800,"iat":1700000000,"jti":"jti-5678","roles":["admin","billing"]}`)

// jweBenchCase is one (alg, enc) pair of the benchmarks.
type jweBenchCase struct {
	name string
	alg  jwk.Algorithm
	enc  jwe.Encryption
	key  *jweKey
	tok  string
}

// jweBenchLib is one library under benchmark. decrypt is nil when the
// library cannot run in this build (jwx without GOEXPERIMENT=jsonv2).
type jweBenchLib struct {
	name string
	// decrypt returns a function that decrypts a token of c and returns
	// the plaintext; the slice may be reused by the next call.
	decrypt func(tb testing.TB, c *jweBenchCase) func(tok string) ([]byte, error)
}

var (
	jwxJWEBench  = &jweBenchLib{name: "jwx"} // filled by bench_jwe_jwx_test.go
	jweBenchLibs = []*jweBenchLib{wardJWEBench, jwxJWEBench, goJoseJWEBench, floorJWEBench}
)

var (
	jweBenchOnce  sync.Once
	jweBenchCases []*jweBenchCase
	jweBenchErr   error
)

// jweBenchSetup makes the three keys (RSA 2048, P-256, a 32-byte dir key)
// and Ward's three tokens.
func jweBenchSetup(tb testing.TB) []*jweBenchCase {
	tb.Helper()
	jweBenchOnce.Do(func() { jweBenchCases, jweBenchErr = makeJWEBenchCases() })
	if jweBenchErr != nil {
		tb.Fatalf("benchmark setup: %v", jweBenchErr)
	}
	return jweBenchCases
}

func makeJWEBenchCases() ([]*jweBenchCase, error) {
	secret := make([]byte, 32)
	rand.Read(secret)
	dir, err := jwk.NewSecretKey(secret, jwk.Dir)
	if err != nil {
		return nil, err
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	ecdhKey, err := ec.ECDH()
	if err != nil {
		return nil, err
	}
	ecKey, err := jwk.NewECDHPrivateKey(ecdhKey, jwk.ECDHESA128KW)
	if err != nil {
		return nil, err
	}
	rsaPriv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	rsaKey, err := jwk.NewPrivateKey(rsaPriv, jwk.RSAOAEP256)
	if err != nil {
		return nil, err
	}
	cases := []*jweBenchCase{
		{name: "dir+A256GCM", alg: jwk.Dir, enc: jwe.A256GCM,
			key: &jweKey{alg: jwk.Dir, ward: dir, priv: secret, pub: secret}},
		{name: "ECDH-ES+A128KW+A128GCM", alg: jwk.ECDHESA128KW, enc: jwe.A128GCM,
			key: &jweKey{alg: jwk.ECDHESA128KW, crv: "P-256", ward: ecKey, priv: ec, pub: &ec.PublicKey}},
		{name: "RSA-OAEP-256+A128GCM", alg: jwk.RSAOAEP256, enc: jwe.A128GCM,
			key: &jweKey{alg: jwk.RSAOAEP256, ward: rsaKey, priv: rsaPriv, pub: &rsaPriv.PublicKey}},
	}
	for _, c := range cases {
		if c.tok, err = jwe.Encrypt(jweBenchPayload, c.key.wardPublic(), &jwe.EncryptOptions{Encryption: c.enc}); err != nil {
			return nil, err
		}
	}
	return cases, nil
}

// BenchmarkDecrypt/<pair>/<lib>: every library decrypts the same
// Ward-encrypted token.
func BenchmarkDecrypt(b *testing.B) {
	for _, c := range jweBenchSetup(b) {
		for _, lib := range jweBenchLibs {
			b.Run(c.name+"/"+lib.name, func(b *testing.B) {
				if lib.decrypt == nil {
					b.Skip(lib.name + " needs GOEXPERIMENT=jsonv2")
				}
				decrypt := lib.decrypt(b, c)
				got, err := decrypt(c.tok)
				if err != nil || !bytes.Equal(got, jweBenchPayload) {
					b.Fatalf("%s decrypts the %s token to %q: %v", lib.name, c.name, got, err)
				}
				if _, err := decrypt(tamperJWE(c.tok)); err == nil {
					b.Fatalf("%s accepts a tampered %s token", lib.name, c.name)
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := decrypt(c.tok); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkDecryptPaired/<pair>/<vs>: Ward and the libraries it is
// compared with (vs "floor": the floor; vs "peers": jwx and go-jose) in
// alternation, a short batch each in turn, so that on a loaded machine
// they see the same load. Ward meets the floor and the peers in separate
// rounds: the peers' garbage is collected while the next batch runs, which
// would slow Ward and the floor unequally. Each b.Loop iteration is one
// round (a batch per library). The metrics are medians over the rounds,
// which a load spike during a few rounds does not move: each library's
// time per decrypt ("<lib>-ns/dec") and the per-round ratio of Ward's time
// to the floor's ("ward/floor") or to the fastest peer's ("ward/peer").
func BenchmarkDecryptPaired(b *testing.B) {
	for _, c := range jweBenchSetup(b) {
		for _, vs := range []string{"floor", "peers"} {
			b.Run(c.name+"/"+vs, func(b *testing.B) {
				var libs []*jweBenchLib
				var fns []func(string) ([]byte, error)
				for _, lib := range jweBenchLibs {
					isFloor := lib == floorJWEBench
					if lib.decrypt == nil || (lib != wardJWEBench && isFloor != (vs == "floor")) {
						continue
					}
					libs = append(libs, lib)
					fns = append(fns, lib.decrypt(b, c))
				}
				if len(libs) < 2 {
					b.Skip("no peer in this build")
				}
				// A batch is about 50 µs of Ward's work or more.
				batch := map[jwk.Algorithm]int{jwk.Dir: 100, jwk.ECDHESA128KW: 1, jwk.RSAOAEP256: 1}[c.alg]
				times := make([][]float64, len(fns)) // per library, per round: ns per decrypt
				var ratios []float64
				for b.Loop() {
					for i, fn := range fns {
						start := time.Now()
						for range batch {
							if _, err := fn(c.tok); err != nil {
								b.Fatal(err)
							}
						}
						times[i] = append(times[i], float64(time.Since(start))/float64(batch))
					}
					// libs[0] is Ward; the others are the floor, or the peers.
					other := times[1][len(times[1])-1]
					for i := 2; i < len(times); i++ {
						other = min(other, times[i][len(times[i])-1])
					}
					ratios = append(ratios, times[0][len(times[0])-1]/other)
				}
				for i, lib := range libs {
					b.ReportMetric(median(times[i]), lib.name+"-ns/dec")
				}
				if vs == "floor" {
					b.ReportMetric(median(ratios), "ward/floor")
				} else {
					b.ReportMetric(median(ratios), "ward/peer")
				}
			})
		}
	}
}

// TestDecryptBenchmarks runs each decrypt benchmark's checks once, so that
// a broken benchmark fails the tests rather than the next benchmark run.
func TestDecryptBenchmarks(t *testing.T) {
	t.Parallel()
	for _, c := range jweBenchSetup(t) {
		for _, lib := range jweBenchLibs {
			if lib.decrypt == nil {
				continue
			}
			decrypt := lib.decrypt(t, c)
			for range 2 { // twice: the floor reuses its buffers
				if got, err := decrypt(c.tok); err != nil || !bytes.Equal(got, jweBenchPayload) {
					t.Errorf("%s/%s: %q, %v", c.name, lib.name, got, err)
				}
			}
			if _, err := decrypt(tamperJWE(c.tok)); err == nil {
				t.Errorf("%s/%s accepts a tampered token", c.name, lib.name)
			}
		}
	}
}

// ---- Ward ----

var wardJWEBench = &jweBenchLib{
	name: "ward",
	decrypt: func(tb testing.TB, c *jweBenchCase) func(string) ([]byte, error) {
		d := wardDecrypter(tb, c.key, c.enc)
		var out jwe.Decrypted
		return func(tok string) ([]byte, error) {
			if err := d.DecryptInto(tok, &out); err != nil {
				return nil, err
			}
			return out.Plaintext, nil
		}
	},
}

// ---- go-jose ----

var goJoseJWEBench = &jweBenchLib{
	name: "go-jose",
	decrypt: func(tb testing.TB, c *jweBenchCase) func(string) ([]byte, error) {
		algs := []jose.KeyAlgorithm{jose.KeyAlgorithm(c.alg)}
		encs := []jose.ContentEncryption{jose.ContentEncryption(c.enc)}
		priv := c.key.priv
		return func(tok string) ([]byte, error) {
			obj, err := jose.ParseEncryptedCompact(tok, algs, encs)
			if err != nil {
				return nil, err
			}
			return obj.Decrypt(priv)
		}
	},
}

// ---- the floor ----

var errJWEFloor = errors.New("floor: bad token")

var floorJWEBench = &jweBenchLib{
	name: "floor",
	decrypt: func(tb testing.TB, c *jweBenchCase) func(string) ([]byte, error) {
		// Reused buffers, large enough for the benchmark tokens.
		hdr, ek, body := make([]byte, 512), make([]byte, 512), make([]byte, 1024)
		var iv [12]byte
		enc := base64.RawURLEncoding
		// cek returns the content-encryption AEAD for the decoded
		// header and encrypted key.
		var cek func(hdr, ek []byte) (cipher.AEAD, error)
		switch c.alg {
		case jwk.Dir:
			// The key is fixed, so its AEAD is made once, as a decrypter
			// holding a dir key can.
			block, _ := aes.NewCipher(c.key.priv.([]byte))
			g, _ := cipher.NewGCM(block)
			cek = func([]byte, []byte) (cipher.AEAD, error) { return g, nil }
		case jwk.RSAOAEP256:
			priv := c.key.priv.(*rsa.PrivateKey)
			cek = func(_, ek []byte) (cipher.AEAD, error) {
				k, err := rsa.DecryptOAEP(sha256.New(), nil, priv, ek, nil)
				if err != nil {
					return nil, err
				}
				return newGCM(k)
			}
		case jwk.ECDHESA128KW:
			priv, _ := c.key.priv.(*ecdsa.PrivateKey).ECDH()
			// The epk coordinates, as base64url text: finding them in the
			// header is JSON work the floor leaves out.
			x, y := epkCoordinates(tb, c.tok)
			point := make([]byte, 65)
			var kek [16]byte
			var cekBuf [16]byte
			other := concatKDFInfo("ECDH-ES+A128KW", 128)
			cek = func(_, ek []byte) (cipher.AEAD, error) {
				point[0] = 4
				if _, err := enc.Decode(point[1:33], bytesOf(x)); err != nil {
					return nil, err
				}
				if _, err := enc.Decode(point[33:], bytesOf(y)); err != nil {
					return nil, err
				}
				pub, err := ecdh.P256().NewPublicKey(point)
				if err != nil {
					return nil, err
				}
				z, err := priv.ECDH(pub)
				if err != nil {
					return nil, err
				}
				h := sha256.New()
				h.Write([]byte{0, 0, 0, 1})
				h.Write(z)
				h.Write(other)
				var sum [sha256.Size]byte
				copy(kek[:], h.Sum(sum[:0]))
				if err := aesKeyUnwrap(cekBuf[:], kek[:], ek); err != nil {
					return nil, err
				}
				return newGCM(cekBuf[:])
			}
		}
		return func(tok string) ([]byte, error) {
			var seg [5]string
			rest := tok
			for i := range 4 {
				j := strings.IndexByte(rest, '.')
				if j < 0 {
					return nil, errJWEFloor
				}
				seg[i], rest = rest[:j], rest[j+1:]
			}
			seg[4] = rest
			nh, err := enc.Decode(hdr, bytesOf(seg[0]))
			if err != nil {
				return nil, err
			}
			nk, err := enc.Decode(ek, bytesOf(seg[1]))
			if err != nil {
				return nil, err
			}
			if n, err := enc.Decode(iv[:], bytesOf(seg[2])); err != nil || n != len(iv) {
				return nil, errJWEFloor
			}
			nc, err := enc.Decode(body, bytesOf(seg[3]))
			if err != nil {
				return nil, err
			}
			nt, err := enc.Decode(body[nc:], bytesOf(seg[4]))
			if err != nil || nt != 16 {
				return nil, errJWEFloor
			}
			g, err := cek(hdr[:nh], ek[:nk])
			if err != nil {
				return nil, err
			}
			return g.Open(body[:0], iv[:], body[:nc+nt], bytesOf(seg[0]))
		}
	},
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// epkCoordinates returns the base64url "x" and "y" of the token's "epk".
func epkCoordinates(tb testing.TB, tok string) (x, y string) {
	tb.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(tok[:strings.IndexByte(tok, '.')])
	if err != nil {
		tb.Fatal(err)
	}
	var h struct {
		EPK struct{ X, Y string } `json:"epk"`
	}
	if err := json.Unmarshal(raw, &h); err != nil || h.EPK.X == "" {
		tb.Fatalf("no epk in %s: %v", raw, err)
	}
	return h.EPK.X, h.EPK.Y
}

// concatKDFInfo is the OtherInfo of the Concat KDF for alg with no "apu" or
// "apv" ([RFC 7518, Section 4.6.2]).
//
// [RFC 7518, Section 4.6.2]: https://www.rfc-editor.org/rfc/rfc7518#section-4.6.2
func concatKDFInfo(alg string, bits uint32) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(alg)))
	b = append(b, alg...)
	b = binary.BigEndian.AppendUint32(b, 0) // PartyUInfo
	b = binary.BigEndian.AppendUint32(b, 0) // PartyVInfo
	return binary.BigEndian.AppendUint32(b, bits)
}

// aesKeyUnwrap unwraps in (RFC 3394, Section 2.2.2) with kek into out,
// which is len(in)-8 bytes.
func aesKeyUnwrap(out, kek, in []byte) error {
	block, err := aes.NewCipher(kek)
	if err != nil {
		return err
	}
	n := len(in)/8 - 1
	if len(in)%8 != 0 || n < 2 || len(out) != 8*n {
		return errJWEFloor
	}
	var a, buf [16]byte
	copy(a[:8], in[:8])
	copy(out, in[8:])
	for j := 5; j >= 0; j-- {
		for i := n; i >= 1; i-- {
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(buf[:8], binary.BigEndian.Uint64(a[:8])^t)
			copy(buf[8:], out[(i-1)*8:i*8])
			block.Decrypt(buf[:], buf[:])
			copy(a[:8], buf[:8])
			copy(out[(i-1)*8:i*8], buf[8:])
		}
	}
	if subtle.ConstantTimeCompare(a[:8], []byte{0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6}) != 1 {
		return errJWEFloor
	}
	return nil
}
