package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/wardauth/ward/jose/jwe"
	"github.com/wardauth/ward/jose/jwk"
)

const decryptUsage = `Usage: ward decrypt (--key FILE | --password-file FILE) [flags] [TOKEN | FILE | -]

Decrypts a compact JWE and writes its plaintext, byte for byte, on
standard output ("zip":"DEF" content is inflated, up to 256 KiB).

The token is the argument, the content of the file the argument names, or
standard input ("-", or no argument when standard input is not a
terminal). One trailing newline is trimmed from files and standard input,
and a leading "Bearer " is dropped.

The keys come from one of
    --key FILE            a private JWK, a JWK Set or a PEM private key:
                          RSA, EC or X25519 keys bound to RSA-OAEP,
                          RSA-OAEP-256 or an ECDH-ES algorithm, oct keys
                          bound to dir, A128KW, A256KW or PBES2. A token
                          picks its key by "kid" (without "kid", the set
                          must hold one key for its "alg"). A PEM key, or
                          a JWK without "alg", needs exactly one --alg
    --password-file FILE  a PBES2 password: the whole file, without one
                          trailing newline

Flags:
    --alg ALG      allow the key-management algorithm ALG; repeatable.
                   Default: the algorithms of the keys (with
                   --password-file: PBES2-HS256+A128KW and
                   PBES2-HS512+A256KW). RSA1_5 is never allowed
    --enc ENC      allow the content encryption ENC; repeatable. Default:
                   all of A128GCM, A256GCM, A128CBC-HS256 and
                   A256CBC-HS512, which all authenticate the content
    -h, --help     show this help

A token's "alg" must be its key's algorithm and in the allow-list; PBES2
iteration counts ("p2c") above 1,000,000 are refused. Every failure to
unwrap the key or to decrypt and authenticate the content gets the same
message: a wrong key, a wrong password and an altered token look alike.

A nested JWT ("cty":"JWT") decrypts to a signed token: pipe it to "ward
verify".

Exit status: 0 on success, 1 if the token cannot be decrypted (or the key
cannot be read), 2 on a usage error.

Examples:
    $ ward decrypt --key enc.jwk secret.jwe > secret.txt
    $ ward decrypt --key enc.jwk nested.jwe | ward verify --key sig.pub.jwk --iss https://auth.example --aud api -
    $ ward decrypt --key rsa.jwk --alg RSA-OAEP-256 --enc A256GCM token.jwe
    $ ward decrypt --password-file pw.txt notes.jwe
`

func runDecrypt(e *env, args []string) int {
	fs := newFlagSet("decrypt")
	keyPath := fs.String("key", "", "")
	passwordFile := fs.String("password-file", "", "")
	var algNames, encNames stringList
	fs.Var(&algNames, "alg", "")
	fs.Var(&encNames, "enc", "")
	pos, code := parseFlags(e, fs, args, decryptUsage)
	if code >= 0 {
		return code
	}
	if (*keyPath == "") == (*passwordFile == "") {
		return usageError(e, "decrypt", "give exactly one of --key FILE and --password-file FILE")
	}
	if len(pos) > 1 {
		return usageError(e, "decrypt", "decrypt takes one token, not %d arguments", len(pos))
	}
	if (len(pos) == 0 || pos[0] == "-") && (*keyPath == "-" || *passwordFile == "-") {
		return usageError(e, "decrypt", "the key and the token cannot both come from standard input")
	}
	var algs []jwk.Algorithm
	for _, name := range algNames {
		a, err := parseKMAlg(name)
		if err != nil {
			return e.fail("decrypt", err)
		}
		algs = append(algs, a)
	}
	var encs []jwe.Encryption
	for _, name := range encNames {
		enc, err := parseEnc(name)
		if err != nil {
			return e.fail("decrypt", err)
		}
		encs = append(encs, enc)
	}
	if *passwordFile != "" {
		if len(algs) == 0 {
			algs = []jwk.Algorithm{jwk.PBES2HS256A128KW, jwk.PBES2HS512A256KW}
		}
		for _, a := range algs {
			if !isPBES2(a) {
				return usageError(e, "decrypt", "--password-file is for PBES2 (PBES2-HS256+A128KW, PBES2-HS512+A256KW), not --alg %s", a)
			}
		}
	}

	var keys []jwk.Key
	if *keyPath != "" {
		var err error
		if keys, err = decryptionKeys(e, *keyPath, algs); err != nil {
			return e.fail("decrypt", err)
		}
	}
	tok, err := readToken(e, "decrypt", pos)
	if err != nil {
		return e.fail("decrypt", err)
	}
	if *passwordFile != "" {
		// A password is one secret for either PBES2 algorithm, and a key is
		// bound to one: bind it to the token's, if that is allowed.
		alg := algs[0]
		if u, err := jwe.UnsafeDecode(tok, 0); err == nil && slices.Contains(algs, u.Header.Algorithm) {
			alg = u.Header.Algorithm
		}
		k, err := loadPassword(e, *passwordFile, alg)
		if err != nil {
			return e.fail("decrypt", err)
		}
		keys = []jwk.Key{k}
	}
	set, err := jwk.NewSet(keys...)
	if err != nil {
		return e.fail("decrypt", err)
	}
	d := &jwe.Decrypter{Keys: set, KeyAlgorithms: algs, Encryptions: encs}
	if err := d.Check(); err != nil {
		return e.fail("decrypt", usagef(nil, "%s", reason(err)))
	}
	res, err := d.Decrypt(tok)
	if err != nil {
		return e.fail("decrypt", decryptError(err, tok, set, algs, encs))
	}
	e.stdout.Write(res.Plaintext)
	return exitOK
}

// decryptionKeys loads the private and secret keys of a key file for a
// Decrypter.
func decryptionKeys(e *env, path string, algs []jwk.Algorithm) ([]jwk.Key, error) {
	kf, err := loadJWEKeyFile(e, path, algs)
	if err != nil {
		return nil, err
	}
	var keys []jwk.Key
	public := 0
	for _, k := range kf.Keys {
		if _, ok := k.(*jwk.PublicKey); ok {
			public++
			continue
		}
		keys = append(keys, k)
	}
	switch {
	case len(keys) > 0:
		return keys, nil
	case public > 0:
		return nil, usagef([]string{"decrypting takes the private key; the public key is for \"ward encrypt\""}, "%s holds only public keys", path)
	}
	return nil, failf("%s holds no decryption key", path)
}

// decryptError explains why a token could not be decrypted, with hints
// from what its header says when that helps.
func decryptError(err error, tok string, set *jwk.Set, algs []jwk.Algorithm, encs []jwe.Encryption) error {
	msg := "cannot decrypt the token: " + reason(err)
	var hints []string
	u, uerr := jwe.UnsafeDecode(tok, len(tok))
	switch {
	case errors.Is(err, jwe.ErrMalformed) && strings.Count(tok, ".") == 2:
		hints = append(hints, "this is a JWS (signed, not encrypted): check it with \"ward verify\"")
	case uerr != nil:
	case errors.Is(err, jwe.ErrUnsupportedAlgorithm):
		h := u.Header
		switch {
		case !h.Algorithm.IsKeyManagement() || !h.Encryption.Known():
		case len(encs) > 0 && !slices.Contains(encs, h.Encryption):
			hints = append(hints, fmt.Sprintf("the token's \"enc\" is %s: allow it with --enc %s if you trust it", h.Encryption, h.Encryption))
		case len(algs) > 0 && !slices.Contains(algs, h.Algorithm):
			hints = append(hints, fmt.Sprintf("the token's \"alg\" is %s: allow it with --alg %s, with a key for it, if you trust it", h.Algorithm, h.Algorithm))
		default:
			var names []string
			for _, k := range set.Keys() {
				names = append(names, keyName(k))
			}
			hints = append(hints, fmt.Sprintf("the token's \"alg\" is %s, and the keys are: %s", h.Algorithm, strings.Join(names, ", ")))
		}
	case errors.Is(err, jwe.ErrNoKey) && u.Header.KeyID != "":
		msg += fmt.Sprintf(" (the token's \"kid\" is %q)", u.Header.KeyID)
	case errors.Is(err, jwe.ErrDecryption):
		hints = append(hints, "the key or password is wrong, or the token was altered")
	}
	return &cmdError{code: exitInvalid, msg: msg, hints: hints}
}
