package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/wardauth/ward/internal/inspect"
	"github.com/wardauth/ward/jose/jwk"
)

// maxFileSize bounds every file ward reads: key files, JWK Sets, claims and
// tokens. It is the size of the largest JWK Set package jwk accepts.
const maxFileSize = jwk.MaxSetSize

// readFile reads the file at path, or standard input if path is "-", and
// fails if it is larger than [maxFileSize].
func readFile(e *env, path string) ([]byte, error) {
	r := e.stdin
	name := "standard input"
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, failf("%v", err)
		}
		defer f.Close()
		r, name = f, path
	}
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, failf("reading %s: %v", name, err)
	}
	if len(data) > maxFileSize {
		return nil, failf("%s is larger than %d bytes", name, maxFileSize)
	}
	return data, nil
}

// keyFile is the content of a key file: one key, or a JWK Set.
type keyFile = inspect.KeyText

// parseKeyFile parses the key file name holds (data), as
// [inspect.ParseKeyText] does, naming the file in its errors.
func parseKeyFile(name string, data []byte, alg jwk.Algorithm) (*keyFile, error) {
	kf, err := inspect.ParseKeyText(data, alg)
	switch {
	case errors.Is(err, inspect.ErrNotKey):
		return nil, failf("%s is not a JWK, a JWK Set or a PEM key", name)
	case err != nil:
		return nil, &fileError{name, err}
	}
	return kf, nil
}

// parseAlg checks an --alg value.
func parseAlg(s string) (jwk.Algorithm, error) {
	a := jwk.Algorithm(s)
	if !a.Known() {
		if strings.EqualFold(s, "none") {
			return "", usagef(nil, "algorithm %q is not supported: unsigned tokens cannot be made or verified", s)
		}
		return "", usagef([]string{"the algorithms are " + algList("")}, "unknown algorithm %q", s)
	}
	return a, nil
}

// algList returns the supported algorithms for keys of type kty (all of
// them if kty is ""), as a readable list.
func algList(kty string) string {
	var names []string
	for _, a := range jwk.Algorithms() {
		if kty == "" || a.KeyType() == kty {
			names = append(names, string(a))
		}
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// keyError turns an error from the key parsers into a usage error when the
// command line can fix it: a missing --alg, or an --alg (given is true) that
// contradicts the key. Other errors (a malformed or weak key, a key that
// contradicts itself) stay failed operations.
func keyError(err error, kty string, given bool) error {
	switch {
	case errors.Is(err, jwk.ErrUnbound):
		return usagef([]string{"name its algorithm with --alg: " + algList(kty)}, "%s", reason(err))
	case given && (errors.Is(err, jwk.ErrAlgorithmConflict) || errors.Is(err, jwk.ErrKeyMismatch)):
		return usagef(nil, "%s", reason(err))
	}
	return err
}

// loadSigningKey reads a key that can sign: a private JWK or PEM key, or an
// oct JWK. alg may be "" if the key carries its own algorithm.
func loadSigningKey(e *env, path string, alg jwk.Algorithm) (jwk.SigningKey, error) {
	data, err := readFile(e, path)
	if err != nil {
		return nil, err
	}
	kf, err := parseKeyFile(path, data, alg)
	if err != nil {
		return nil, keyError(err, jwk.KeyTypeRSA, alg != "")
	}
	if kf.Set {
		return nil, usagef(nil, "%s is a JWK Set; signing takes a file with one key", path)
	}
	switch k := kf.Keys[0].(type) {
	case *jwk.PrivateKey:
		return k, nil
	case *jwk.SecretKey:
		if k.Algorithm() == "" {
			return nil, usagef([]string{"name its algorithm with --alg: " + algList(jwk.KeyTypeOct)}, "%s: the oct key has no \"alg\"", path)
		}
		return k, nil
	}
	return nil, usagef([]string{"sign with the private key; the public key is for \"ward verify\""}, "%s holds a public key", path)
}

// loadSecret reads an HMAC secret: the raw bytes of the whole file.
func loadSecret(e *env, path string, alg jwk.Algorithm) (*jwk.SecretKey, error) {
	if alg.KeyType() != jwk.KeyTypeOct {
		return nil, usagef(nil, "--secret-file needs an HMAC algorithm (%s), not %s", algList(jwk.KeyTypeOct), alg)
	}
	data, err := readFile(e, path)
	if err != nil {
		return nil, err
	}
	if bytes.HasSuffix(data, []byte("\n")) {
		e.warnf("%s ends with a newline, which is part of the secret", path)
	}
	k, err := jwk.NewSecretKey(data, alg)
	if err != nil {
		return nil, &fileError{path, err}
	}
	return k, nil
}

// loadVerificationKeys reads the keys a verifier may use: a JWK, a JWK Set
// or a PEM key. Private keys are replaced by their public halves. Keys
// parsed without an algorithm (RSA public keys, oct keys) are kept unbound
// for the [jwt.Verifier] to bind, if exactly one of algs fits them; others,
// and keys whose "use" or "key_ops" does not permit verifying, are skipped
// with a warning.
func loadVerificationKeys(e *env, path string, algs []jwk.Algorithm) ([]jwk.Key, error) {
	data, err := readFile(e, path)
	if err != nil {
		return nil, err
	}
	kf, err := parseKeyFile(path, data, "")
	if errors.Is(err, jwk.ErrUnbound) {
		// An RSA private key needs an algorithm to be parsed at all.
		if fit := fitting(jwk.KeyTypeRSA, algs); len(fit) == 1 {
			kf, err = parseKeyFile(path, data, fit[0])
		}
	}
	if err != nil {
		return nil, keyError(err, jwk.KeyTypeRSA, false)
	}
	return usableKeys(e, path, kf, algs)
}

// usableKeys returns the keys of kf that a verifier can use with algs,
// as [loadVerificationKeys] describes.
func usableKeys(e *env, path string, kf *keyFile, algs []jwk.Algorithm) ([]jwk.Key, error) {
	for _, sk := range kf.Skipped {
		// jwk.ParseSet skips keys it does not implement; say which.
		what := fmt.Sprintf("keys[%d]", sk.Index)
		if sk.KeyID != "" {
			what += fmt.Sprintf(" (kid %q)", sk.KeyID)
		}
		e.warnf("%s: %s is skipped: %s", path, what, reason(sk.Err))
	}
	keys, unusable := kf.VerificationKeys(algs)
	skipped := 0
	for _, u := range unusable {
		switch {
		case u.Enc:
			e.warnf("%s: %s is marked \"use\":\"enc\" and is not used to verify signatures", path, u.What)
		case u.NoVerifyOp:
			e.warnf("%s: %s has \"key_ops\" without \"verify\" and is not used to verify signatures", path, u.What)
		case !kf.Set:
			return nil, usagef([]string{"name its algorithm with exactly one --alg: " + algList(kf.Keys[0].KeyType())}, "%s: %s has no \"alg\"", path, u.What)
		default:
			e.warnf("%s: %s has no \"alg\" and is skipped (name its algorithm with exactly one --alg)", path, u.What)
			skipped++
		}
	}
	if len(keys) == 0 {
		if skipped > 0 {
			return nil, usagef([]string{"name the algorithm of its keys with --alg"}, "%s holds no key bound to an algorithm", path)
		}
		return nil, failf("%s holds no usable key", path)
	}
	return keys, nil
}

// fitting returns the algorithms of algs that use keys of type kty.
var fitting = inspect.Fitting

// fileError is an error about the content of a named file.
type fileError struct {
	name string
	err  error
}

func (f *fileError) Error() string { return f.name + ": " + reason(f.err) }
func (f *fileError) Unwrap() error { return f.err }
