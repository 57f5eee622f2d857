package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/wardauth/ward/jose/jwe"
	"github.com/wardauth/ward/jose/jwk"
)

const keygenUsage = `Usage: ward keygen [--alg ALG] [--crv CRV] [--enc ENC] --out FILE [--public FILE [--pem]] [--kid KID]

Generates a signing or encryption key and writes it as a private JWK to
FILE, which is created with mode 0600 and never overwritten. The public key
is printed on standard error as a one-line JWK ("Public key: {...}"), and
written to --public FILE if given. Nothing secret is ever printed.

The key's "kid" is its RFC 7638 thumbprint ("ward thumbprint"), unless
--kid sets another. RSA keys have 2048 bits.

For HS256, HS384 and HS512 the key is a shared secret (a JWK of kty "oct"
holding as many random bytes as the hash output): it has no public part, so
give the file itself, over a secure channel, to the services that verify.

For encryption ("ward encrypt", "ward decrypt") the algorithm is a JWE
key-management algorithm, and asymmetric keys are marked "use":"enc":
    RSA-OAEP, RSA-OAEP-256          an RSA key
    ECDH-ES, ECDH-ES+A128KW,        an EC key on P-256 (--crv P-384, P-521
    ECDH-ES+A256KW                  or X25519 for another curve)
    A128KW, A256KW                  a 16- or 32-byte shared secret
    dir                             a shared secret used as the content
                                    key: 32 bytes (A256GCM, A128CBC-HS256),
                                    or the size --enc needs
    PBES2-HS256+A128KW,             32 random bytes used as a password
    PBES2-HS512+A256KW
Shared secrets have no public part: give the file to both sides.

Flags:
    --alg ALG       the algorithm the key is for (default ES256): HS256,
                    HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512,
                    ES256, ES384, ES512, EdDSA, or a key-management
                    algorithm above
    --crv CRV       the curve of an ECDH-ES key: P-256 (default), P-384,
                    P-521 or X25519
    --enc ENC       the content encryption a dir key is for: A128GCM,
                    A256GCM (default), A128CBC-HS256 or A256CBC-HS512
    --out FILE      where to write the private key (required)
    --public FILE   also write the public key to FILE
    --pem           write the public key as PEM ("PUBLIC KEY") rather
                    than as a JWK; PEM holds neither "alg" nor "kid"
    --kid KID       set the key ID
    -h, --help      show this help

Exit status: 0 on success, 1 if a file cannot be created (for instance
because it exists), 2 on a usage error.

Examples:
    $ ward keygen --out key.jwk --public key.pub.jwk
    $ ward keygen --alg EdDSA --out ed.jwk --public ed.pub.pem --pem
    $ ward keygen --alg HS256 --out secret.jwk --kid 2025-01
    $ ward keygen --alg ECDH-ES+A128KW --out enc.jwk --public enc.pub.jwk
    $ ward keygen --alg ECDH-ES --crv X25519 --out x25519.jwk --public x25519.pub.jwk
    $ ward keygen --alg RSA-OAEP-256 --out rsa-enc.jwk --public rsa-enc.pub.pem --pem
    $ ward keygen --alg dir --enc A128GCM --out dir.jwk
`

func runKeygen(e *env, args []string) int {
	fs := newFlagSet("keygen")
	algName := fs.String("alg", string(jwk.ES256), "")
	out := fs.String("out", "", "")
	public := fs.String("public", "", "")
	asPEM := fs.Bool("pem", false, "")
	kid := fs.String("kid", "", "")
	crv := fs.String("crv", "", "")
	encName := fs.String("enc", "", "")
	pos, code := parseFlags(e, fs, args, keygenUsage)
	if code >= 0 {
		return code
	}
	if len(pos) != 0 {
		return usageError(e, "keygen", "keygen takes no arguments, only flags")
	}
	if *out == "" {
		return usageError(e, "keygen", "--out FILE is required: ward never prints a private key")
	}
	alg, err := parseKeygenAlg(*algName)
	if err != nil {
		return e.fail("keygen", err)
	}
	var enc jwe.Encryption
	if *encName != "" {
		if enc, err = parseEnc(*encName); err != nil {
			return e.fail("keygen", err)
		}
	}
	secret := alg.KeyType() == jwk.KeyTypeOct
	switch {
	case *crv != "" && !alg.IsECDH():
		return usageError(e, "keygen", "--crv is for the ECDH-ES algorithms; the curve of %s keys is fixed", alg)
	case *crv != "" && !slices.Contains([]string{"P-256", "P-384", "P-521", jwk.CurveX25519}, *crv):
		return usageError(e, "keygen", "unknown curve %q: use P-256, P-384, P-521 or X25519", *crv)
	case enc != "" && alg != jwk.Dir:
		return usageError(e, "keygen", "--enc sizes dir keys only; a %s key works with every content encryption", alg)
	case secret && *public != "":
		return usageError(e, "keygen", "%s keys are shared secrets with no public part: drop --public", alg)
	case *asPEM && *public == "":
		return usageError(e, "keygen", "--pem applies to --public FILE, which is missing")
	case *public == *out:
		return usageError(e, "keygen", "--out and --public name the same file")
	}
	if err := keygen(e, keySpec{alg: alg, crv: *crv, enc: enc}, *out, *public, *asPEM, *kid); err != nil {
		return e.fail("keygen", err)
	}
	return exitOK
}

// keySpec says what key keygen makes: for alg, on the curve crv (ECDH-ES
// keys; "" is P-256), of the size enc needs (dir keys; "" is 32 bytes).
type keySpec struct {
	alg jwk.Algorithm
	crv string
	enc jwe.Encryption
}

// generate makes the key s describes.
func (s keySpec) generate() (jwk.SigningKey, error) {
	switch {
	case s.alg.IsECDH() && s.crv != "":
		return jwk.GenerateECDH(s.alg, s.crv)
	case s.alg == jwk.Dir && s.enc != "":
		secret := make([]byte, s.enc.KeySize())
		rand.Read(secret) // never fails, see crypto/rand.Read
		return jwk.NewSecretKey(secret, jwk.Dir)
	}
	return jwk.Generate(s.alg)
}

func keygen(e *env, spec keySpec, out, public string, asPEM bool, kid string) (err error) {
	alg := spec.alg
	// Create the files before generating the key, so that an existing file
	// is reported at once; remove them again if anything fails.
	priv, err := createExclusive(out, 0o600)
	if err != nil {
		return err
	}
	var pub *os.File
	defer func() {
		priv.Close()
		if pub != nil {
			pub.Close()
		}
		if err != nil {
			os.Remove(out)
			if pub != nil {
				os.Remove(public)
			}
		}
	}()
	if public != "" {
		if pub, err = createExclusive(public, 0o644); err != nil {
			return err
		}
	}

	key, err := spec.generate()
	if err != nil {
		return err
	}
	if kid != "" {
		switch k := key.(type) {
		case *jwk.PrivateKey:
			key = k.WithKeyID(kid)
		case *jwk.SecretKey:
			key = k.WithKeyID(kid)
		}
	}

	privJSON, err := marshalKey(key)
	if err != nil {
		return err
	}
	if err := writeSync(priv, append(privJSON, '\n')); err != nil {
		return err
	}
	if fi, err := os.Stat(out); err == nil && fi.Mode().Perm()&0o004 != 0 {
		e.warnf("%s is world-readable (mode %v): restrict it with chmod 600", out, fi.Mode().Perm())
	}

	sk, ok := key.(*jwk.PrivateKey)
	if !ok {
		fmt.Fprintf(e.stderr, "Secret key written to %s; %s keys have no public part\n", out, alg)
		if alg.IsKeyManagement() {
			e.hintf("give %s only to the parties that encrypt and decrypt, over a secure channel", out)
		} else {
			e.hintf("give %s only to the services that verify, over a secure channel", out)
		}
		return nil
	}
	pubJSON, err := sk.Public().MarshalJSON()
	if err != nil {
		return err
	}
	if pub != nil {
		data := append(pubJSON, '\n')
		if asPEM {
			if data, err = jwk.MarshalPEM(sk.Public()); err != nil {
				return err
			}
		}
		if err := writeSync(pub, data); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stderr, "Public key: %s\n", pubJSON)
	return nil
}

// marshalKey returns the private JWK of a generated key.
func marshalKey(k jwk.SigningKey) ([]byte, error) {
	switch k := k.(type) {
	case *jwk.PrivateKey:
		return k.MarshalJSON()
	case *jwk.SecretKey:
		return k.MarshalJSON()
	}
	return nil, fmt.Errorf("unexpected key type %T", k)
}

// createExclusive creates a new file with the given mode, failing if it
// exists.
func createExclusive(name string, mode os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if errors.Is(err, fs.ErrExist) {
		return nil, &cmdError{code: exitInvalid, msg: name + " already exists", hints: []string{"ward never overwrites a key file: remove it first, or choose another name"}}
	}
	if err != nil {
		return nil, failf("%v", err)
	}
	return f, nil
}

func writeSync(f *os.File, data []byte) error {
	if _, err := f.Write(data); err != nil {
		return failf("writing %s: %v", f.Name(), err)
	}
	if err := f.Sync(); err != nil {
		return failf("writing %s: %v", f.Name(), err)
	}
	return nil
}

// parseKeygenAlg checks keygen's --alg: a signature or a key-management
// algorithm.
func parseKeygenAlg(s string) (jwk.Algorithm, error) {
	if jwk.Algorithm(s).IsKeyManagement() {
		return jwk.Algorithm(s), nil
	}
	if s == "RSA1_5" {
		return parseKMAlg(s)
	}
	a, err := parseAlg(s)
	if err != nil && strings.EqualFold(s, "none") {
		return "", err
	}
	if err != nil {
		return "", usagef([]string{"the signature algorithms are " + algList("") + "; the key-management algorithms are " + kmAlgList("")}, "unknown algorithm %q", s)
	}
	return a, nil
}
