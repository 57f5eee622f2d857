//go:build goexperiment.jsonv2

package interop

import (
	"fmt"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v4/jwa"
	xjwe "github.com/lestrrat-go/jwx/v4/jwe"
	xjwt "github.com/lestrrat-go/jwx/v4/jwt"

	"github.com/wardauth/ward/jose/jwe"
)

func init() { jwePeers = append(jwePeers, jwxJWE) }

func jwxKeyAlg(k *jweKey) jwa.KeyEncryptionAlgorithm {
	a, ok := jwa.LookupKeyEncryptionAlgorithm(string(k.alg))
	if !ok {
		panic("jwx does not know " + string(k.alg))
	}
	return a
}

func jwxEnc(enc jwe.Encryption) jwa.ContentEncryptionAlgorithm {
	a, ok := jwa.LookupContentEncryptionAlgorithm(string(enc))
	if !ok {
		panic("jwx does not know " + string(enc))
	}
	return a
}

// jwxEncryptOptions are the options of a jwx encryption to k as enc.
func jwxEncryptOptions(k *jweKey, enc jwe.Encryption, zip bool, cty string) ([]xjwe.EncryptOption, error) {
	h := xjwe.NewHeaders()
	if err := h.Set(xjwe.KeyIDKey, k.ward.KeyID()); err != nil {
		return nil, err
	}
	if cty != "" {
		if err := h.Set(xjwe.ContentTypeKey, cty); err != nil {
			return nil, err
		}
	}
	opts := []xjwe.EncryptOption{
		xjwe.WithKey(jwxKeyAlg(k), k.pub),
		xjwe.WithContentEncryption(jwxEnc(enc)),
		xjwe.WithProtectedHeaders(h),
		xjwe.WithPBES2Count(jwePBES2Count),
	}
	if zip {
		opts = append(opts, xjwe.WithCompress(jwa.Deflate()))
	}
	return opts, nil
}

var jwxJWE = &jwePeer{
	name:     "jwx",
	supports: func(*jweKey) bool { return true },
	encrypt: func(k *jweKey, enc jwe.Encryption, zip bool, cty string, plaintext []byte) (string, error) {
		opts, err := jwxEncryptOptions(k, enc, zip, cty)
		if err != nil {
			return "", err
		}
		b, err := xjwe.Encrypt(plaintext, opts...)
		return string(b), err
	},
	decrypt: func(k *jweKey, enc jwe.Encryption, tok string) ([]byte, error) {
		return jwxDecrypt(k, enc, tok)
	},
	nestedSign: func(tb testing.TB, f *fixture, k *jweKey, enc jwe.Encryption) string {
		tb.Helper()
		eopts, err := jwxEncryptOptions(k, enc, false, "")
		if err != nil {
			tb.Fatal(err)
		}
		var wrapped []xjwt.EncryptOption
		for _, o := range eopts {
			wrapped = append(wrapped, xjwt.WithEncryptOption(o))
		}
		b, err := xjwt.NewSerializer().
			Sign(xjwt.WithKey(jwxAlg(f.alg), jwxKey(tb, f.priv, f))).
			Encrypt(wrapped...).
			Serialize(newJWXToken(tb, time.Now(), true))
		if err != nil {
			tb.Fatalf("jwx nested: %v", err)
		}
		return string(b)
	},
	nestedVerify: func(f *fixture, k *jweKey, enc jwe.Encryption, tok string) (string, []string, error) {
		msg, err := xjwe.Parse([]byte(tok))
		if err != nil {
			return "", nil, err
		}
		if cty, _ := msg.ProtectedHeaders().ContentType(); cty != "JWT" {
			return "", nil, fmt.Errorf("cty %q", cty)
		}
		inner, err := jwxDecrypt(k, enc, tok)
		if err != nil {
			return "", nil, err
		}
		return jwx.verify(f, string(inner))
	},
}

// jwxDecrypt decrypts tok with k, refusing another "enc" than enc (jwx
// has no content-encryption allow-list, so the header is checked first).
func jwxDecrypt(k *jweKey, enc jwe.Encryption, tok string) ([]byte, error) {
	msg, err := xjwe.Parse([]byte(tok))
	if err != nil {
		return nil, err
	}
	if got, _ := msg.ProtectedHeaders().ContentEncryption(); got.String() != string(enc) {
		return nil, fmt.Errorf("enc %q, want %q", got, enc)
	}
	return xjwe.Decrypt([]byte(tok), xjwe.WithKey(jwxKeyAlg(k), k.priv))
}
