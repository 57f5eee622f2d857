package jwe

import (
	"crypto/aes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"fmt"
	"unsafe"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/jose/jwk"
)

// EncryptOptions configures [Encrypt]. The zero value (or nil) is safe:
// A256GCM (for dir, the algorithm that fits the key), no compression, no
// "typ" or "cty", the default PBES2 iteration counts.
type EncryptOptions struct {
	// Encryption is the content-encryption algorithm, the header "enc".
	// Empty: A256GCM; for a dir key, the algorithm its size fits (A128GCM
	// for 16 bytes, A256GCM for 32, A256CBC-HS512 for 64).
	Encryption Encryption

	// Compress deflates the plaintext before encrypting it ("zip":"DEF").
	// Compressing secrets next to attacker-chosen data leaks them through
	// the ciphertext length (CRIME, BREACH); leave it off unless you know
	// the payload. False: no compression.
	Compress bool

	// Type is the header "typ". Empty: none.
	Type string

	// ContentType is the header "cty": "JWT" for a nested JWT. Empty: none.
	ContentType string

	// PBES2Count is the PBES2 iteration count "p2c". Zero:
	// [DefaultPBES2HS256Count] or [DefaultPBES2HS512Count]. It must be at
	// least [MinPBES2Count], and decrypters cap it (by default at
	// [DefaultMaxPBES2Count]).
	PBES2Count int

	// PartyUInfo and PartyVInfo are the ECDH-ES "apu" and "apv" values
	// that the Concat KDF mixes in ([RFC 7518, Section 4.6.1]). Nil: the
	// members are left out.
	//
	// [RFC 7518, Section 4.6.1]: https://www.rfc-editor.org/rfc/rfc7518#section-4.6.1
	PartyUInfo, PartyVInfo []byte
}

// Encrypt encrypts plaintext to key and returns the compact serialization
// ([RFC 7516, Section 7.1]). The key-management algorithm is the key's:
//
//   - a [*jwk.SecretKey] bound to dir, A128KW, A256KW or a PBES2 algorithm
//     (whose secret is the password);
//   - a [*jwk.PublicKey] (or the public half of a [*jwk.PrivateKey]) bound
//     to RSA-OAEP, RSA-OAEP-256 or an ECDH-ES algorithm.
//
// The protected header has "alg", "enc", then "zip", "kid" (the key's),
// "typ" and "cty" when set, then the algorithm's parameters. A key marked
// "use":"sig" fails with [ErrKeyUse].
//
// [RFC 7516, Section 7.1]: https://www.rfc-editor.org/rfc/rfc7516#section-7.1
func Encrypt(plaintext []byte, key jwk.Key, opts *EncryptOptions) (string, error) {
	var o EncryptOptions
	if opts != nil {
		o = *opts
	}
	if pk, ok := key.(*jwk.PrivateKey); ok {
		key = pk.Public()
	}
	if key == nil {
		return "", fmt.Errorf("%w: nil key", ErrNoKey)
	}
	alg := key.Algorithm()
	if !alg.IsKeyManagement() {
		return "", fmt.Errorf("%w: key is bound to %q, not to a key-management algorithm", ErrUnsupportedAlgorithm, string(alg))
	}
	if err := keyUse(key, alg, true); err != nil {
		return "", err
	}
	var secret []byte
	if sk, ok := key.(*jwk.SecretKey); ok {
		secret = sk.Secret()
		defer clear(secret)
	}
	enc := o.Encryption
	if enc == "" {
		enc = A256GCM
		if alg == jwk.Dir {
			enc = map[int]Encryption{16: A128GCM, 32: A256GCM, 64: A256CBCHS512}[len(secret)]
		}
	}
	if !enc.Known() {
		return "", fmt.Errorf("%w: content encryption %q", ErrUnsupportedAlgorithm, string(enc))
	}

	// The content-encryption key, the encrypted key and the header
	// parameters of the algorithm.
	var (
		cek    = make([]byte, enc.KeySize())
		ek     []byte
		params []byte
	)
	defer clear(cek)
	switch alg {
	case jwk.Dir:
		if len(secret) != len(cek) {
			return "", fmt.Errorf("%w: dir key of %d bytes cannot encrypt %s", ErrAlgorithmMismatch, len(secret), enc)
		}
		copy(cek, secret)
	case jwk.A128KW, jwk.A256KW:
		rand.Read(cek) // never fails, see crypto/rand.Read
		block, err := aes.NewCipher(secret)
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrMisconfigured, err)
		}
		ek = wrapKey(nil, block, cek)
	case jwk.PBES2HS256A128KW, jwk.PBES2HS512A256KW:
		count := o.PBES2Count
		if count == 0 {
			count = DefaultPBES2HS256Count
			if alg == jwk.PBES2HS512A256KW {
				count = DefaultPBES2HS512Count
			}
		}
		if count < MinPBES2Count {
			return "", fmt.Errorf("%w: PBES2Count %d is below %d", ErrInvalidPBES2, count, MinPBES2Count)
		}
		var salt [16]byte
		rand.Read(salt[:])
		kek, err := pbes2Key(alg, secret, salt[:], count)
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrMisconfigured, err)
		}
		rand.Read(cek)
		block, err := aes.NewCipher(kek)
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrMisconfigured, err)
		}
		ek = wrapKey(nil, block, cek)
		params = append(params, `,"p2s":"`...)
		params = base64url.AppendEncode(params, salt[:])
		params = fmt.Appendf(params, `","p2c":%d`, count)
	case jwk.RSAOAEP, jwk.RSAOAEP256:
		pub, ok := key.(*jwk.PublicKey).CryptoPublicKey().(*rsa.PublicKey)
		if !ok {
			return "", fmt.Errorf("%w: %s needs an RSA key", ErrMisconfigured, alg)
		}
		rand.Read(cek)
		h := sha1.New()
		if alg == jwk.RSAOAEP256 {
			h = sha256.New()
		}
		var err error
		if ek, err = rsa.EncryptOAEP(h, rand.Reader, pub, cek, nil); err != nil {
			return "", fmt.Errorf("%w: RSA-OAEP: %v", ErrMisconfigured, err)
		}
	default: // ECDH-ES family
		pub, err := key.(*jwk.PublicKey).ECDH()
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrMisconfigured, err)
		}
		eph, err := pub.Curve().GenerateKey(rand.Reader)
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrMisconfigured, err)
		}
		z, err := eph.ECDH(pub)
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrMisconfigured, err)
		}
		size, algID := ecdhKeySize(alg, enc)
		derived := concatKDF(nil, z, algID, o.PartyUInfo, o.PartyVInfo, size)
		if alg == jwk.ECDHES {
			copy(cek, derived)
		} else {
			rand.Read(cek)
			block, err := aes.NewCipher(derived)
			if err != nil {
				return "", fmt.Errorf("%w: %v", ErrMisconfigured, err)
			}
			ek = wrapKey(nil, block, cek)
		}
		clear(derived)
		params = appendEPK(params, eph.PublicKey())
		if o.PartyUInfo != nil {
			params = append(params, `,"apu":"`...)
			params = append(base64url.AppendEncode(params, o.PartyUInfo), '"')
		}
		if o.PartyVInfo != nil {
			params = append(params, `,"apv":"`...)
			params = append(base64url.AppendEncode(params, o.PartyVInfo), '"')
		}
	}

	hdr := Header{Algorithm: alg, Encryption: enc, KeyID: key.KeyID(), Type: o.Type, ContentType: o.ContentType}
	if o.Compress {
		hdr.Compression = "DEF"
		var err error
		if plaintext, err = deflate(plaintext); err != nil {
			return "", fmt.Errorf("jwe: compressing: %w", err)
		}
	}
	hjson, err := appendHeader(make([]byte, 0, 256), &hdr, params)
	if err != nil {
		return "", err
	}
	ivSize, tagSize := enc.ivSize(), enc.tagSize()
	ctMax := len(plaintext) + aes.BlockSize
	tok := make([]byte, 0, base64url.EncodedLen(len(hjson))+base64url.EncodedLen(len(ek))+base64url.EncodedLen(ivSize)+base64url.EncodedLen(ctMax)+base64url.EncodedLen(tagSize)+4)
	tok = base64url.AppendEncode(tok, hjson)
	aad := tok[:len(tok):len(tok)]
	tok = append(tok, '.')
	tok = base64url.AppendEncode(tok, ek)
	var iv [16]byte
	rand.Read(iv[:ivSize])
	tok = append(tok, '.')
	tok = base64url.AppendEncode(tok, iv[:ivSize])

	var sealed []byte
	if enc.isGCM() {
		g, err := newGCM(cek)
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrMisconfigured, err)
		}
		sealed = g.Seal(make([]byte, 0, len(plaintext)+tagSize), iv[:ivSize], plaintext, aad)
	} else {
		c, err := newCBCHMAC(enc, cek)
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrMisconfigured, err)
		}
		sealed = make([]byte, 0, ctMax+tagSize)
		var tag [32]byte
		sealed = c.seal(sealed, iv[:], plaintext, aad, tag[:tagSize])
		sealed = append(sealed, tag[:tagSize]...)
	}
	ct, tag := sealed[:len(sealed)-tagSize], sealed[len(sealed)-tagSize:]
	tok = append(tok, '.')
	tok = base64url.AppendEncode(tok, ct)
	tok = append(tok, '.')
	tok = base64url.AppendEncode(tok, tag)
	return unsafe.String(unsafe.SliceData(tok), len(tok)), nil
}
