package main

import (
	"crypto"
	_ "crypto/sha256" // for crypto.SHA256
	"errors"
	"fmt"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/jose/jwk"
)

const thumbprintUsage = `Usage: ward thumbprint FILE

Prints the RFC 7638 SHA-256 thumbprint (base64url) of the key in FILE, a
JWK or a PEM key, public or private ("-" reads standard input). It is the
default "kid" of the keys that "ward keygen" makes. Secret (oct) keys are
refused: the hash of a secret must not be published.

Flags:
    -h, --help   show this help

Examples:
    $ ward thumbprint key.pub.jwk
    $ ward thumbprint key.pub.pem
`

func runThumbprint(e *env, args []string) int {
	fs := newFlagSet("thumbprint")
	pos, code := parseFlags(e, fs, args, thumbprintUsage)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 {
		return usageError(e, "thumbprint", "thumbprint takes one key file")
	}
	tp, err := thumbprint(e, pos[0])
	if err != nil {
		return e.fail("thumbprint", err)
	}
	fmt.Fprintln(e.stdout, tp)
	return exitOK
}

func thumbprint(e *env, path string) (string, error) {
	data, err := readFile(e, path)
	if err != nil {
		return "", err
	}
	kf, err := parseKeyFile(path, data, "")
	if errors.Is(err, jwk.ErrUnbound) {
		// An RSA private key needs some algorithm to be parsed; the
		// thumbprint does not depend on which.
		kf, err = parseKeyFile(path, data, jwk.RS256)
	}
	if err != nil {
		return "", err
	}
	if kf.Set {
		return "", usagef([]string{"take the thumbprint of one key; in a set, each key's \"kid\" is usually its thumbprint"}, "%s is a JWK Set", path)
	}
	k := kf.Keys[0]
	if k.KeyType() == jwk.KeyTypeOct {
		return "", failf("%s holds a secret (oct) key, whose thumbprint would leak information about the secret", path)
	}
	sum, err := jwk.Thumbprint(k, crypto.SHA256)
	if err != nil {
		return "", err
	}
	return base64url.EncodeToString(sum), nil
}
