package inspect

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/wardauth/ward/jose/jwk"
)

// ErrNotKey is returned by [ParseKeyText] for text that is none of a JWK,
// a JWK Set and a PEM key.
var ErrNotKey = errors.New("not a JWK, a JWK Set or a PEM key")

// KeyText is the content of a key file, or of a key pasted into the
// debugger: one key, or a JWK Set.
type KeyText struct {
	Keys    []jwk.Key
	Set     bool             // a JWK Set ({"keys":[...]})
	PEM     bool             // one PEM key
	Skipped []jwk.SkippedKey // keys of the set that jwk.ParseSet skipped
}

// ParseKeyText parses a JWK, a JWK Set or a PEM key, telling them apart by
// their first bytes: "{" is JSON, a set if it has a "keys" member; else a
// "-----BEGIN" line, possibly after some text, is PEM. A single key is
// bound to alg if alg is not empty; a set's keys keep their own "alg".
func ParseKeyText(data []byte, alg jwk.Algorithm) (*KeyText, error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	switch {
	case bytes.HasPrefix(trimmed, []byte("{")):
		if HasMember(trimmed, "keys") {
			set, err := jwk.ParseSet(data)
			if err != nil {
				return nil, err
			}
			return &KeyText{Keys: set.Keys(), Set: true, Skipped: set.Skipped()}, nil
		}
		k, err := jwk.ParseKey(data, alg)
		if err != nil {
			return nil, err
		}
		return &KeyText{Keys: []jwk.Key{k}}, nil
	case bytes.Contains(data, []byte("-----BEGIN")):
		k, err := jwk.ParsePEM(data, alg)
		if err != nil {
			return nil, err
		}
		return &KeyText{Keys: []jwk.Key{k}, PEM: true}, nil
	}
	return nil, ErrNotKey
}

// Unusable is a key of a [KeyText] that cannot verify signatures.
type Unusable struct {
	// What names the key: `the EC key`, or `the EC key "kid"` in a set.
	What string
	// Enc says the key is marked "use":"enc"; NoVerifyOp that its
	// "key_ops" lack "verify"; Unbound that it has no "alg" and not
	// exactly one of the allowed algorithms fits it.
	Enc, NoVerifyOp, Unbound bool
}

// VerificationKeys returns the keys of kt that a verifier can use with
// algs, as "ward verify" and the debugger choose them: private keys give
// their public halves; keys whose "use" or "key_ops" forbid verifying are
// left out, and so is a key without "alg" unless exactly one of algs fits
// it (a [jwt.Verifier] then binds it). The keys left out are returned, in
// order, with the reason.
func (kt *KeyText) VerificationKeys(algs []jwk.Algorithm) ([]jwk.Key, []Unusable) {
	var keys []jwk.Key
	var out []Unusable
	for _, k := range kt.Keys {
		if p, ok := k.(*jwk.PrivateKey); ok {
			k = p.Public()
		}
		what := fmt.Sprintf("the %s key", k.KeyType())
		if kt.Set && k.KeyID() != "" {
			what = fmt.Sprintf("the %s key %q", k.KeyType(), k.KeyID())
		}
		if k.CheckOp(jwk.OpVerify) != nil {
			// RFC 7517, Sections 4.2 and 4.3: not a key for checking
			// signatures.
			p, ok := k.(*jwk.PublicKey)
			enc := ok && p.Use() == "enc"
			out = append(out, Unusable{What: what, Enc: enc, NoVerifyOp: !enc})
			continue
		}
		if k.Algorithm() == "" && len(Fitting(k.KeyType(), algs)) != 1 {
			out = append(out, Unusable{What: what, Unbound: true})
			continue
		}
		keys = append(keys, k)
	}
	return keys, out
}

// Fitting returns the algorithms of algs that use keys of type kty.
func Fitting(kty string, algs []jwk.Algorithm) []jwk.Algorithm {
	var out []jwk.Algorithm
	for _, a := range algs {
		if a.KeyType() == kty {
			out = append(out, a)
		}
	}
	return out
}
