package main

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/wardauth/ward/jose/jwe"
	"github.com/wardauth/ward/jose/jwk"
)

// parseKMAlg checks an --alg value of encrypt, decrypt or keygen: a JWE
// key-management algorithm.
func parseKMAlg(s string) (jwk.Algorithm, error) {
	a := jwk.Algorithm(s)
	switch {
	case a.IsKeyManagement():
		return a, nil
	case s == "RSA1_5":
		return "", usagef([]string{"use RSA-OAEP-256 (or RSA-OAEP)"}, "algorithm %q is not supported: RSAES-PKCS1-v1_5 invites padding-oracle attacks", s)
	case a.Known():
		return "", usagef([]string{"the key-management algorithms are " + kmAlgList("")}, "%s is a signature algorithm, not a key-management algorithm", s)
	}
	return "", usagef([]string{"the key-management algorithms are " + kmAlgList("")}, "unknown key-management algorithm %q", s)
}

// parseEnc checks an --enc value.
func parseEnc(s string) (jwe.Encryption, error) {
	enc := jwe.Encryption(s)
	if !enc.Known() {
		var names []string
		for _, e := range jwe.Encryptions() {
			names = append(names, string(e))
		}
		return "", usagef([]string{"the content encryptions are " + strings.Join(names, ", ")}, "unknown content encryption %q", s)
	}
	return enc, nil
}

// kmFits reports whether keys of type kty (and curve crv, for OKP keys)
// can be bound to the key-management algorithm a.
func kmFits(a jwk.Algorithm, kty string) bool {
	switch {
	case a.IsECDH():
		return kty == jwk.KeyTypeEC || kty == jwk.KeyTypeOKP
	case strings.HasPrefix(string(a), "RSA-OAEP"):
		return kty == jwk.KeyTypeRSA
	}
	return kty == jwk.KeyTypeOct
}

// kmAlgList returns the key-management algorithms for keys of type kty
// (all of them if kty is ""), as a readable list.
func kmAlgList(kty string) string {
	var names []string
	for _, a := range jwk.KeyManagementAlgorithms() {
		if kty == "" || kmFits(a, kty) {
			names = append(names, string(a))
		}
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// kmFitting returns the algorithms of algs that keys of type kty fit.
func kmFitting(kty string, algs []jwk.Algorithm) []jwk.Algorithm {
	var out []jwk.Algorithm
	for _, a := range algs {
		if kmFits(a, kty) {
			out = append(out, a)
		}
	}
	return out
}

// loadJWEKeyFile reads the key file of encrypt or decrypt: a JWK, a JWK Set
// or a PEM key. A single key is bound to the one algorithm of algs that
// fits its type, if there is one: a JWK whose own "alg" contradicts it is a
// usage error. Otherwise a JWK must have a key-management "alg" of its own,
// and a PEM key (which never says) is a usage error. The keys of a set keep
// their own "alg"; public and secret keys without one are bound to the one
// algorithm of algs that fits them, if there is one; the keys that are then
// not bound to a key-management algorithm are dropped with a warning.
func loadJWEKeyFile(e *env, path string, algs []jwk.Algorithm) (*keyFile, error) {
	data, err := readFile(e, path)
	if err != nil {
		return nil, err
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if bytes.HasPrefix(trimmed, []byte("{")) && !hasMember(trimmed, "keys") {
		// One JWK: its "kty" says which --alg fits it.
		kty := ""
		if raw, ok := member(trimmed, "kty"); ok {
			kty, _ = strconv.Unquote(string(raw))
		}
		if fit := kmFitting(kty, algs); len(fit) > 1 {
			return nil, unboundError(path, nil, kty, len(fit))
		} else if len(fit) == 1 {
			kf, err := parseKeyFile(path, data, fit[0])
			if err != nil {
				return nil, kmKeyError(err, kty)
			}
			return kf, nil
		}
		if !hasMember(trimmed, "alg") {
			if _, err := parseKeyFile(path, data, ""); errors.Is(err, jwk.ErrMalformed) {
				return nil, err // a malformed key, whatever its algorithm
			}
			return nil, unboundError(path, nil, kty, 0)
		}
		kf, err := parseKeyFile(path, data, "")
		if err != nil {
			return nil, err
		}
		if !kf.Keys[0].Algorithm().IsKeyManagement() {
			return nil, unboundError(path, kf, kty, 0)
		}
		return kf, nil
	}
	kf, err := parseKeyFile(path, data, "")
	kty := ""
	switch {
	case errors.Is(err, jwk.ErrUnbound):
		kty = jwk.KeyTypeRSA // an RSA private key in PEM
	case err != nil:
		return nil, err
	case kf.PEM:
		kty = kf.Keys[0].KeyType()
	}
	if kty != "" {
		fit := kmFitting(kty, algs)
		if len(fit) != 1 {
			return nil, unboundError(path, nil, kty, len(fit))
		}
		if kf, err = parseKeyFile(path, data, fit[0]); err != nil {
			return nil, kmKeyError(err, kty)
		}
		return kf, nil
	}
	var keys []jwk.Key
	for _, k := range kf.Keys {
		if k.Algorithm() == "" {
			// Like verify: a key without "alg" is bound to the one --alg
			// that fits it.
			if fit := kmFitting(k.KeyType(), algs); len(fit) == 1 {
				if b, err := bindKey(k, fit[0]); err == nil {
					keys = append(keys, b)
					continue
				}
			}
		}
		if !k.Algorithm().IsKeyManagement() {
			what := fmt.Sprintf("the %s key", k.KeyType())
			if k.KeyID() != "" {
				what = fmt.Sprintf("the %s key %q", k.KeyType(), k.KeyID())
			}
			if k.Algorithm() == "" {
				e.warnf("%s: %s has no \"alg\" and is skipped (name its algorithm with exactly one --alg)", path, what)
			} else {
				e.warnf("%s: %s is for %s, not for encryption, and is skipped", path, what, k.Algorithm())
			}
			continue
		}
		keys = append(keys, k)
	}
	kf.Keys = keys
	return kf, nil
}

// bindKey binds a key of a set that has no "alg" to alg.
func bindKey(k jwk.Key, alg jwk.Algorithm) (jwk.Key, error) {
	switch k := k.(type) {
	case *jwk.SecretKey:
		return k.WithAlgorithm(alg)
	case *jwk.PublicKey:
		return k.WithAlgorithm(alg)
	}
	return nil, fmt.Errorf("cannot bind a %T", k)
}

// unboundError explains why a single key could not be bound to a
// key-management algorithm: it has none of its own and fit of the --alg
// values fit it (kf is the parsed key when it is bound to a signature
// algorithm).
func unboundError(path string, kf *keyFile, kty string, fit int) error {
	hint := "name its algorithm with --alg: " + kmAlgList(kty)
	if fit > 1 {
		return usagef([]string{hint}, "%s: the %s key can be bound to one algorithm only, not %d", path, kty, fit)
	}
	if kf != nil {
		return usagef([]string{"make an encryption key with \"ward keygen --alg ALG\" (ALG one of " + kmAlgList(kty) + ")"},
			"%s: the %s key is for %s, a signature algorithm, not for encryption", path, kty, kf.Keys[0].Algorithm())
	}
	return usagef([]string{hint}, "%s: the %s key has no key-management algorithm", path, kty)
}

// kmKeyError turns an error from binding a key to an --alg into a usage
// error when the command line can fix it.
func kmKeyError(err error, kty string) error {
	if errors.Is(err, jwk.ErrAlgorithmConflict) || errors.Is(err, jwk.ErrKeyMismatch) {
		return usagef([]string{"the algorithms for this key are " + kmAlgList(kty)}, "%s", reason(err))
	}
	return err
}

// keyName is how messages name a key of a set.
func keyName(k jwk.Key) string {
	if k.KeyID() != "" {
		return fmt.Sprintf("%s key %q (%s)", k.KeyType(), k.KeyID(), k.Algorithm())
	}
	return fmt.Sprintf("%s key (%s)", k.KeyType(), k.Algorithm())
}

// loadPassword reads a PBES2 password: the whole file without one trailing
// newline, and binds it to alg.
func loadPassword(e *env, path string, alg jwk.Algorithm) (*jwk.SecretKey, error) {
	data, err := readFile(e, path)
	if err != nil {
		return nil, err
	}
	pw := trimNewline(string(data))
	if pw == "" {
		return nil, failf("%s: the password is empty", path)
	}
	k, err := jwk.NewSecretKey([]byte(pw), alg)
	if err != nil {
		return nil, &fileError{path, err}
	}
	return k, nil
}

// isPBES2 reports whether a is a PBES2 algorithm.
func isPBES2(a jwk.Algorithm) bool {
	return a == jwk.PBES2HS256A128KW || a == jwk.PBES2HS512A256KW
}
