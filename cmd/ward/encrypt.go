package main

import (
	"slices"
	"strings"

	"github.com/wardauth/ward/jose/jwe"
	"github.com/wardauth/ward/jose/jwk"
)

const encryptUsage = `Usage: ward encrypt (--key FILE | --password-file FILE) [flags] [FILE | -]

Encrypts the bytes of FILE (or of standard input, for "-" or no argument)
into a compact JWE (RFC 7516) and prints the token and a newline on
standard output. Nothing else is printed there.

The key is one of
    --key FILE            a JWK, a JWK Set ({"keys":[...]}) or a PEM key:
                          a public (or private) RSA, EC or X25519 key
                          bound to RSA-OAEP, RSA-OAEP-256 or an ECDH-ES
                          algorithm, or an oct key bound to dir, A128KW or
                          A256KW. From a set, the key named by --kid, or
                          the only encryption key it holds. A PEM key, or
                          a JWK without "alg", needs --alg
    --password-file FILE  a password for PBES2: the whole file, without
                          one trailing newline; --alg defaults to
                          PBES2-HS512+A256KW (600,000 or 210,000
                          iterations of PBKDF2)

Flags:
    --alg ALG      the key-management algorithm, if the key does not say:
                   dir, A128KW, A256KW, RSA-OAEP, RSA-OAEP-256, ECDH-ES,
                   ECDH-ES+A128KW, ECDH-ES+A256KW, PBES2-HS256+A128KW or
                   PBES2-HS512+A256KW
    --enc ENC      the content encryption: A128GCM, A256GCM (default),
                   A128CBC-HS256 or A256CBC-HS512; for dir, the default is
                   the one the key's size fits
    --kid KID      pick the key with this "kid" from a JWK Set
    --zip          compress the content with DEFLATE ("zip":"DEF") before
                   encrypting it. Compressed length leaks how much of a
                   secret matches data an attacker chose (CRIME, BREACH):
                   use it only for content no attacker contributes to
    --cty CTY      set the header "cty", such as JWT for a signed token
    --typ TYPE     set the header "typ"
    -h, --help     show this help

To make a nested JWT, sign first, then encrypt with --cty JWT; "ward
decrypt" then "ward verify" reverse it.

Exit status: 0 on success, 1 if the key or the input cannot be used, 2 on
a usage error.

Examples:
    $ ward keygen --alg ECDH-ES+A128KW --out enc.jwk --public enc.pub.jwk
    $ ward encrypt --key enc.pub.jwk --enc A128GCM secret.txt > secret.jwe
    $ ward sign --key sig.jwk --sub alice | ward encrypt --key enc.pub.jwk --cty JWT > nested.jwe
    $ ward encrypt --key jwks.json --kid 2025-01 --zip report.json
    $ ward encrypt --password-file pw.txt --alg PBES2-HS256+A128KW notes.txt
`

func runEncrypt(e *env, args []string) int {
	fs := newFlagSet("encrypt")
	keyPath := fs.String("key", "", "")
	passwordFile := fs.String("password-file", "", "")
	algName := fs.String("alg", "", "")
	encName := fs.String("enc", "", "")
	kid := fs.String("kid", "", "")
	zip := fs.Bool("zip", false, "")
	cty := fs.String("cty", "", "")
	typ := fs.String("typ", "", "")
	pos, code := parseFlags(e, fs, args, encryptUsage)
	if code >= 0 {
		return code
	}
	if len(pos) > 1 {
		return usageError(e, "encrypt", "encrypt takes at most one input file, not %d arguments", len(pos))
	}
	if (*keyPath == "") == (*passwordFile == "") {
		return usageError(e, "encrypt", "give exactly one of --key FILE and --password-file FILE")
	}
	if (len(pos) == 0 || pos[0] == "-") && (*keyPath == "-" || *passwordFile == "-") {
		return usageError(e, "encrypt", "the key and the input cannot both come from standard input")
	}
	if *passwordFile != "" && *kid != "" {
		return usageError(e, "encrypt", "--kid picks a key from a JWK Set: it does not go with --password-file")
	}
	var alg jwk.Algorithm
	if *algName != "" {
		var err error
		if alg, err = parseKMAlg(*algName); err != nil {
			return e.fail("encrypt", err)
		}
	}
	opts := &jwe.EncryptOptions{Compress: *zip, ContentType: *cty, Type: *typ}
	if *encName != "" {
		enc, err := parseEnc(*encName)
		if err != nil {
			return e.fail("encrypt", err)
		}
		opts.Encryption = enc
	}

	var key jwk.Key
	var err error
	if *passwordFile != "" {
		switch {
		case alg == "":
			alg = jwk.PBES2HS512A256KW
		case !isPBES2(alg):
			return usageError(e, "encrypt", "--password-file needs a PBES2 algorithm (PBES2-HS256+A128KW or PBES2-HS512+A256KW), not %s", alg)
		}
		key, err = loadPassword(e, *passwordFile, alg)
	} else {
		key, err = encryptionKey(e, *keyPath, alg, *kid)
	}
	if err != nil {
		return e.fail("encrypt", err)
	}
	if sk, ok := key.(*jwk.SecretKey); ok && key.Algorithm() == jwk.Dir && opts.Encryption != "" && opts.Encryption.KeySize() != sk.Len() {
		return usageError(e, "encrypt", "the dir key has %d bytes and --enc %s needs %d", sk.Len(), opts.Encryption, opts.Encryption.KeySize())
	}

	plaintext, err := readPlaintext(e, pos)
	if err != nil {
		return e.fail("encrypt", err)
	}
	tok, err := jwe.Encrypt(plaintext, key, opts)
	if err != nil {
		return e.fail("encrypt", err)
	}
	return printToken(e, tok, jwe.DefaultMaxSize, "decrypters")
}

// encryptionKey loads the key to encrypt to from a key file: its only
// key, or from a set the one key named by kid, or the only key a token can
// be encrypted to. Private keys are used through their public halves.
func encryptionKey(e *env, path string, alg jwk.Algorithm, kid string) (jwk.Key, error) {
	var algs []jwk.Algorithm
	if alg != "" {
		algs = []jwk.Algorithm{alg}
	}
	kf, err := loadJWEKeyFile(e, path, algs)
	if err != nil {
		return nil, err
	}
	if !kf.Set {
		k := kf.Keys[0]
		if alg != "" && k.Algorithm() != alg {
			return nil, usagef(nil, "%s: the key is for %s, not --alg %s", path, k.Algorithm(), alg)
		}
		if kid != "" && k.KeyID() != kid {
			return nil, failf("%s: the key's \"kid\" is %q, not %q", path, k.KeyID(), kid)
		}
		return encryptingHalf(k), nil
	}
	var keys []jwk.Key
	for _, k := range kf.Keys {
		if p, ok := k.(*jwk.PublicKey); ok && p.Use() == "sig" {
			continue
		}
		if (alg == "" || k.Algorithm() == alg) && (kid == "" || k.KeyID() == kid) {
			keys = append(keys, encryptingHalf(k))
		}
	}
	what := "encryption key"
	if alg != "" {
		what = string(alg) + " key"
	}
	switch {
	case len(keys) == 1:
		return keys[0], nil
	case len(keys) == 0 && kid != "":
		return nil, failf("%s has no %s with \"kid\" %q", path, what, kid)
	case len(keys) == 0:
		return nil, failf("%s has no %s", path, what)
	}
	var names []string
	for _, k := range keys {
		names = append(names, keyName(k))
	}
	slices.Sort(names)
	return nil, usagef([]string{"it holds " + strings.Join(names, ", ")}, "%s has %d %ss: pick one with --kid or --alg", path, len(keys), what)
}

// encryptingHalf returns the key that encrypts to k: its public half if it
// is a private key.
func encryptingHalf(k jwk.Key) jwk.Key {
	if p, ok := k.(*jwk.PrivateKey); ok {
		return p.Public()
	}
	return k
}

// readPlaintext reads what encrypt encrypts: the file named by the
// argument, or standard input ("-", or no argument when standard input is
// not a terminal). The bytes are taken as they are.
func readPlaintext(e *env, pos []string) ([]byte, error) {
	switch {
	case len(pos) == 0 && isTerminal(e.stdin):
		return nil, usagef([]string{"pass a file name, or the content on standard input (\"-\")"}, "nothing to encrypt")
	case len(pos) == 0:
		return readFile(e, "-")
	}
	return readFile(e, pos[0])
}
