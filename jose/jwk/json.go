package jwk

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"fmt"
	"math"
	"math/big"
	"slices"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/internal/strictjson"
)

// Limits on the JSON text that [ParseKey] and [ParseSet] accept. Larger input
// is refused with [ErrMalformed] before it is parsed.
const (
	// MaxKeySize is the largest JWK, in bytes, accepted by [ParseKey], and
	// the largest single key accepted inside a JWK Set. An 8192-bit RSA
	// private key with an x5c chain fits with room to spare.
	MaxKeySize = 64 << 10
	// MaxSetSize is the largest JWK Set, in bytes, accepted by [ParseSet].
	MaxSetSize = 1 << 20
	// MaxSetKeys is the largest number of keys, including skipped ones, in a
	// JWK Set accepted by [ParseSet].
	MaxSetKeys = 256
)

// maxDepth bounds the nesting of JWK text. The members this package reads
// nest at most two levels deep; the limit leaves room for unknown members.
const maxDepth = strictjson.DefaultMaxDepth

// ParseKey parses one JSON Web Key ([RFC 7517, Section 4]) and returns a
// [*PublicKey], a [*PrivateKey] or a [*SecretKey].
//
// The key is bound to alg, or to the JWK "alg" member; if both are present
// and differ, ParseKey fails with [ErrAlgorithmConflict]. With neither, EC
// and OKP keys are bound to the algorithm of their curve ([CurveAlgorithm];
// ECDH-ES for X25519 keys and for EC keys marked "use":"enc"),
// while RSA public keys and oct keys stay unbound (their Algorithm is "")
// for a verifier to bind from its configuration. An RSA private key must be
// bound, so without either it fails with [ErrUnbound].
//
// Parsing is strict: member names are case-sensitive and may not repeat,
// integers must be minimal canonical base64url ([RFC 7518, Section 2]), EC
// private keys must be exactly the size of the curve and coordinates no
// longer (a shorter, minimal coordinate, as some libraries write, is
// left-padded), EC points must be on the curve, private members must match
// the public ones, and the sizes of [MinRSABits] and [RFC 7518, Section 3.2]
// are enforced. RSA moduli with the ROCA fingerprint fail with [ErrROCA]
// (an [ErrWeakKey]). Multi-prime RSA keys ("oth") are refused. An "alg"
// that is not one of [Algorithms] or [KeyManagementAlgorithms] (including
// "none" and "RSA1_5") fails with [ErrUnsupportedAlgorithm], and a "kty" or
// "crv" this package does not implement (such as "X448") with
// [ErrUnsupportedKeyType].
//
// The "use" member, if present, must be "sig" or "enc", and "key_ops" an
// array of distinct strings; both are kept and honoured: a key is used only
// for what they permit (see [PublicKey.CheckOp]). The
// X.509 members "x5c", "x5t", "x5t#S256" and "x5u" are checked for their
// JSON type and otherwise ignored: they are never used to find or to trust a
// key. Unknown members are ignored.
//
// Without a "kid" member, the key ID of an asymmetric key is its RFC 7638
// SHA-256 thumbprint, and that of a secret key is empty.
//
// [RFC 7517, Section 4]: https://www.rfc-editor.org/rfc/rfc7517#section-4
// [RFC 7518, Section 2]: https://www.rfc-editor.org/rfc/rfc7518#section-2
// [RFC 7518, Section 3.2]: https://www.rfc-editor.org/rfc/rfc7518#section-3.2
func ParseKey(data []byte, alg Algorithm) (Key, error) {
	if alg != "" && !alg.known() {
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedAlgorithm, string(alg))
	}
	if len(data) > MaxKeySize {
		return nil, fmt.Errorf("%w: JWK of %d bytes exceeds MaxKeySize (%d bytes)", ErrMalformed, len(data), MaxKeySize)
	}
	r, err := decodeJWK(data)
	if err != nil {
		return nil, err
	}
	if err := r.supported(); err != nil {
		return nil, err
	}
	return r.build(alg)
}

// ParseSet parses a JWK Set ([RFC 7517, Section 5]): an object whose "keys"
// member is an array of JWKs, each parsed as by [ParseKey] with no
// configured algorithm. Other top-level members are ignored.
//
// As Section 5 asks, keys that this package does not implement are skipped
// rather than failing the set: those whose "kty" or "crv" is unsupported
// (such as "X448" or "Ed448") and those whose "alg" is not one of
// [Algorithms] or [KeyManagementAlgorithms] (such as "RSA1_5", or "none").
// Skipping is never silent: [Set.Skipped] lists each skipped key and why,
// and a set with no usable key at all (an empty "keys" array, or every key
// skipped) fails with a [*SetError] wrapping [ErrNoUsableKey]. A key of a
// supported type that is malformed or weak fails the whole set, as does
// invalid JSON anywhere in it. The set is built with [NewSet], so the same
// key material under two algorithms fails with [ErrAlgorithmConflict].
//
// [RFC 7517, Section 5]: https://www.rfc-editor.org/rfc/rfc7517#section-5
func ParseSet(data []byte) (*Set, error) {
	if len(data) > MaxSetSize {
		return nil, fmt.Errorf("%w: JWK Set of %d bytes exceeds MaxSetSize (%d bytes)", ErrMalformed, len(data), MaxSetSize)
	}
	var keysJSON []byte
	err := strictjson.ForEachMember(data, maxDepth, func(name, value []byte) error {
		if string(name) == "keys" {
			keysJSON = value
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: JWK Set: %w", ErrMalformed, err)
	}
	if keysJSON == nil {
		return nil, fmt.Errorf("%w: JWK Set has no \"keys\" member", ErrMalformed)
	}
	if strictjson.KindOf(keysJSON) != strictjson.Array {
		return nil, fmt.Errorf("%w: JWK Set \"keys\" member is not an array", ErrMalformed)
	}
	var (
		keys    []Key
		skipped []SkippedKey
	)
	i := 0
	err = strictjson.ForEachElement(keysJSON, maxDepth, func(value []byte) error {
		defer func() { i++ }()
		if i >= MaxSetKeys {
			return fmt.Errorf("%w: JWK Set has more than MaxSetKeys (%d) keys", ErrMalformed, MaxSetKeys)
		}
		if len(value) > MaxKeySize {
			return fmt.Errorf("%w: JWK of %d bytes exceeds MaxKeySize (%d bytes) (keys[%d] of the JWK Set)", ErrMalformed, len(value), MaxKeySize, i)
		}
		r, err := decodeJWK(value)
		if err != nil {
			return fmt.Errorf("%w (keys[%d] of the JWK Set)", err, i)
		}
		if err := r.supported(); err != nil {
			// RFC 7517, Section 5: ignore keys we do not understand, and
			// say which.
			skipped = append(skipped, SkippedKey{Index: i, KeyID: r.kid, Err: err})
			return nil
		}
		k, err := r.build("")
		if err != nil {
			return fmt.Errorf("%w (keys[%d] of the JWK Set)", err, i)
		}
		keys = append(keys, k)
		return nil
	})
	if err != nil {
		if _, ok := err.(*strictjson.Error); ok {
			return nil, fmt.Errorf("%w: JWK Set: %w", ErrMalformed, err)
		}
		return nil, err
	}
	if len(keys) == 0 {
		return nil, &SetError{Skipped: skipped}
	}
	set, err := NewSet(keys...)
	if err != nil {
		return nil, err
	}
	set.skipped = skipped
	return set, nil
}

// rawJWK holds the members of a JWK that this package reads. Key material
// members are kept as raw JSON values, nil when absent, and decoded by build
// once the key type is known to be supported.
type rawJWK struct {
	kty, crv, alg, kid, use string
	hasKty, hasCrv, hasAlg  bool
	ops                     []KeyOp // "key_ops"; nil when absent

	n, e, d, p, q, dp, dq, qi, oth []byte // RSA; d is shared with EC and OKP
	x, y                           []byte // EC and OKP
	k                              []byte // oct
}

// decodeJWK reads the members of one JWK object and checks the JSON types
// and values of the members that every key type shares.
func decodeJWK(data []byte) (*rawJWK, error) {
	var r rawJWK
	err := strictjson.ForEachMember(data, maxDepth, func(name, value []byte) error {
		var err error
		switch string(name) {
		case "kty":
			r.kty, err = stringMember("kty", value)
			r.hasKty = true
		case "crv":
			r.crv, err = stringMember("crv", value)
			r.hasCrv = true
		case "alg":
			r.alg, err = stringMember("alg", value)
			r.hasAlg = true
		case "kid":
			r.kid, err = stringMember("kid", value)
		case "use":
			r.use, err = stringMember("use", value)
			if err == nil && r.use != "sig" && r.use != "enc" {
				// RFC 7517, Section 4.2 registers only these two values.
				err = fmt.Errorf("%w: \"use\" is %q, want \"sig\" or \"enc\"", ErrMalformed, r.use)
			}
		case "key_ops":
			r.ops, err = keyOpsMember(value)
		case "x5c":
			err = checkStringArray("x5c", value)
		case "x5u", "x5t", "x5t#S256":
			_, err = stringMember(string(name), value)
		case "n":
			r.n = value
		case "e":
			r.e = value
		case "d":
			r.d = value
		case "p":
			r.p = value
		case "q":
			r.q = value
		case "dp":
			r.dp = value
		case "dq":
			r.dq = value
		case "qi":
			r.qi = value
		case "oth":
			r.oth = value
		case "x":
			r.x = value
		case "y":
			r.y = value
		case "k":
			r.k = value
		}
		return err
	})
	if err != nil {
		if _, ok := err.(*strictjson.Error); ok {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		return nil, err
	}
	if !r.hasKty {
		return nil, fmt.Errorf("%w: missing \"kty\" member", ErrMalformed)
	}
	return &r, nil
}

func stringMember(name string, value []byte) (string, error) {
	s, err := strictjson.DecodeString(value)
	if err != nil {
		return "", fmt.Errorf("%w: %q member is not a string", ErrMalformed, name)
	}
	return string(s), nil
}

// keyOpsMember decodes "key_ops": an array of strings without duplicates
// ([RFC 7517, Section 4.3]). An empty array gives an empty, non-nil slice:
// a key for no operation.
//
// [RFC 7517, Section 4.3]: https://www.rfc-editor.org/rfc/rfc7517#section-4.3
func keyOpsMember(value []byte) ([]KeyOp, error) {
	if strictjson.KindOf(value) != strictjson.Array {
		return nil, fmt.Errorf("%w: \"key_ops\" member is not an array", ErrMalformed)
	}
	ops := []KeyOp{}
	err := strictjson.ForEachElement(value, maxDepth, func(v []byte) error {
		op, err := strictjson.DecodeString(v)
		if err != nil {
			return fmt.Errorf("%w: \"key_ops\" holds a non-string", ErrMalformed)
		}
		if slices.Contains(ops, KeyOp(op)) {
			return fmt.Errorf("%w: \"key_ops\" repeats %q", ErrMalformed, op)
		}
		ops = append(ops, KeyOp(op))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ops, nil
}

func checkStringArray(name string, value []byte) error {
	if strictjson.KindOf(value) != strictjson.Array {
		return fmt.Errorf("%w: %q member is not an array", ErrMalformed, name)
	}
	return strictjson.ForEachElement(value, maxDepth, func(v []byte) error {
		if strictjson.KindOf(v) != strictjson.String {
			return fmt.Errorf("%w: %q holds a non-string", ErrMalformed, name)
		}
		return nil
	})
}

// supported reports, as an error wrapping [ErrUnsupportedKeyType] or
// [ErrUnsupportedAlgorithm], whether the key is of a kind that this package
// does not implement. [ParseSet] skips such keys.
func (r *rawJWK) supported() error {
	switch r.kty {
	case KeyTypeRSA, KeyTypeOct:
	case KeyTypeEC:
		if r.hasCrv && (CurveAlgorithm(r.crv) == "" || r.crv == "Ed25519") {
			return fmt.Errorf("%w: EC curve %q", ErrUnsupportedKeyType, r.crv)
		}
	case KeyTypeOKP:
		if r.hasCrv && r.crv != "Ed25519" && r.crv != CurveX25519 {
			return fmt.Errorf("%w: OKP curve %q", ErrUnsupportedKeyType, r.crv)
		}
	default:
		return fmt.Errorf("%w: %q", ErrUnsupportedKeyType, r.kty)
	}
	if r.hasAlg && !Algorithm(r.alg).known() {
		return fmt.Errorf("%w: %q", ErrUnsupportedAlgorithm, r.alg)
	}
	return nil
}

// build checks the key material and returns the key, bound to alg if it is
// not "" (which must then be a known algorithm).
func (r *rawJWK) build(alg Algorithm) (Key, error) {
	bound := Algorithm(r.alg)
	if alg != "" {
		if r.hasAlg && bound != alg {
			return nil, fmt.Errorf("%w: JWK \"alg\" is %s, offered as %s", ErrAlgorithmConflict, bound, alg)
		}
		bound = alg
	}
	if bound != "" {
		if info, _ := bound.anyInfo(); !info.fitsKeyType(r.kty) {
			return nil, fmt.Errorf("%w: %s cannot be used with a key of type %s", ErrKeyMismatch, bound, r.kty)
		}
		if bound.IsKeyManagement() && r.use == "sig" {
			// RFC 7517, Section 4.2: a "sig" key never encrypts.
			return nil, fmt.Errorf("%w: a key with \"use\":\"sig\" cannot be used with %s", ErrKeyMismatch, bound)
		}
	}
	if (r.kty == KeyTypeEC || r.kty == KeyTypeOKP) && !r.hasCrv {
		return nil, fmt.Errorf("%w: %s key without \"crv\" member", ErrMalformed, r.kty)
	}
	switch r.kty {
	case KeyTypeRSA:
		return r.rsaKey(bound)
	case KeyTypeEC:
		return r.ecKey(bound)
	case KeyTypeOKP:
		return r.okpKey(bound)
	}
	return r.octKey(bound)
}

func (r *rawJWK) rsaKey(alg Algorithm) (Key, error) {
	if r.oth != nil {
		return nil, fmt.Errorf("%w: multi-prime RSA keys (\"oth\") are not supported", ErrMalformed)
	}
	n, err := uintMember("n", r.n)
	if err != nil {
		return nil, err
	}
	eb, err := uintMember("e", r.e)
	if err != nil {
		return nil, err
	}
	if len(eb) > 4 {
		return nil, fmt.Errorf("%w: RSA public exponent of %d bytes", ErrMalformed, len(eb))
	}
	var e uint64
	for _, b := range eb {
		e = e<<8 | uint64(b)
	}
	if e > math.MaxInt32 {
		return nil, fmt.Errorf("%w: RSA public exponent too large", ErrMalformed)
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(e)}
	if _, err := checkPublic(pub, alg); err != nil {
		return nil, err
	}
	pk := r.publicKey(pub, alg)
	if r.d == nil && r.p == nil && r.q == nil && r.dp == nil && r.dq == nil && r.qi == nil {
		return pk, nil
	}
	// RFC 7518, Section 6.3.2: "d" is required; p, q, dp, dq and qi are
	// optional in the RFC but all-or-none, and the standard library cannot
	// check or use a key without them.
	if r.d == nil {
		return nil, fmt.Errorf("%w: RSA private members without \"d\"", ErrMalformed)
	}
	if r.p == nil || r.q == nil || r.dp == nil || r.dq == nil || r.qi == nil {
		return nil, fmt.Errorf("%w: RSA private key without all of \"p\", \"q\", \"dp\", \"dq\" and \"qi\" is not supported", ErrMalformed)
	}
	var ints [6]*big.Int
	for i, m := range [6]struct {
		name string
		raw  []byte
	}{{"d", r.d}, {"p", r.p}, {"q", r.q}, {"dp", r.dp}, {"dq", r.dq}, {"qi", r.qi}} {
		b, err := uintMember(m.name, m.raw)
		if err != nil {
			return nil, err
		}
		// Each private value is below n. Bounding them before any
		// arithmetic keeps a hostile JWK from making Validate slow.
		if len(b) > len(n) {
			return nil, fmt.Errorf("%w: RSA %q member is longer than the modulus", ErrMalformed, m.name)
		}
		ints[i] = new(big.Int).SetBytes(b)
	}
	if alg == "" {
		return nil, fmt.Errorf("%w: RSA private JWK has no \"alg\" and none was given", ErrUnbound)
	}
	priv := &rsa.PrivateKey{
		PublicKey: *pub,
		D:         ints[0],
		Primes:    []*big.Int{ints[1], ints[2]},
		Precomputed: rsa.PrecomputedValues{
			Dp: ints[3], Dq: ints[4], Qinv: ints[5],
		},
	}
	// Precompute keeps the given CRT values when they are consistent, and
	// Validate then checks n = pq, d, dp, dq and qi against each other.
	priv.Precompute()
	if err := priv.Validate(); err != nil {
		return nil, fmt.Errorf("%w: inconsistent RSA private key: %v", ErrMalformed, err)
	}
	return &PrivateKey{signer: priv, public: pk}, nil
}

func (r *rawJWK) ecKey(alg Algorithm) (Key, error) {
	want := CurveAlgorithm(r.crv)
	if alg == "" {
		alg = want
		if r.use == "enc" {
			alg = ECDHES // RFC 7517, Section 4.2: an encryption key never signs
		}
	}
	if alg != want && !alg.IsECDH() {
		return nil, fmt.Errorf("%w: %s cannot be used with a %s key", ErrKeyMismatch, alg, r.crv)
	}
	info, _ := want.info()
	size, curve := info.size, curveByName(r.crv)
	x, err := coordMember("x", r.x, size, r.crv)
	if err != nil {
		return nil, err
	}
	y, err := coordMember("y", r.y, size, r.crv)
	if err != nil {
		return nil, err
	}
	point := make([]byte, 0, 1+2*size)
	point = append(append(append(point, 4), x...), y...)
	pub, err := ecdsa.ParseUncompressedPublicKey(curve, point)
	if err != nil {
		return nil, fmt.Errorf("%w: EC point is not on %s", ErrMalformed, r.crv)
	}
	pk := r.publicKey(pub, alg)
	if r.d == nil {
		return pk, nil
	}
	d, err := fixedMember("d", r.d, size, r.crv)
	if err != nil {
		return nil, err
	}
	priv, err := ecdsa.ParseRawPrivateKey(curve, d)
	if err != nil {
		return nil, fmt.Errorf("%w: invalid %s private key", ErrMalformed, r.crv)
	}
	if !priv.PublicKey.Equal(pub) {
		return nil, fmt.Errorf("%w: EC private key \"d\" does not match \"x\" and \"y\"", ErrMalformed)
	}
	return &PrivateKey{signer: priv, public: pk}, nil
}

func (r *rawJWK) okpKey(alg Algorithm) (Key, error) {
	if r.crv == CurveX25519 {
		return r.x25519Key(alg)
	}
	if alg == "" {
		alg = EdDSA
	}
	if alg != EdDSA {
		return nil, fmt.Errorf("%w: %s cannot be used with an Ed25519 key", ErrKeyMismatch, alg)
	}
	x, err := fixedMember("x", r.x, ed25519.PublicKeySize, r.crv)
	if err != nil {
		return nil, err
	}
	pub := ed25519.PublicKey(x)
	pk := r.publicKey(pub, alg)
	if r.d == nil {
		return pk, nil
	}
	seed, err := fixedMember("d", r.d, ed25519.SeedSize, r.crv)
	if err != nil {
		return nil, err
	}
	priv := ed25519.NewKeyFromSeed(seed)
	if !bytes.Equal(priv[ed25519.SeedSize:], x) {
		return nil, fmt.Errorf("%w: Ed25519 private key \"d\" does not match \"x\"", ErrMalformed)
	}
	return &PrivateKey{signer: priv, public: pk}, nil
}

func (r *rawJWK) octKey(alg Algorithm) (Key, error) {
	if r.k == nil {
		return nil, fmt.Errorf("%w: oct key without \"k\" member", ErrMalformed)
	}
	secret, err := b64Member("k", r.k)
	if err != nil {
		return nil, err
	}
	if len(secret) == 0 {
		return nil, fmt.Errorf("%w: empty oct key", ErrMalformed)
	}
	if alg == "" {
		k, err := newUnboundSecretKey(secret)
		if err != nil {
			return nil, err
		}
		k.kid, k.usage = r.kid, r.usage()
		return k, nil
	}
	k := &SecretKey{secret: secret}
	if err := k.bind(alg); err != nil {
		return nil, err
	}
	k.kid, k.usage = r.kid, r.usage()
	return k, nil
}

func curveByName(crv string) elliptic.Curve {
	switch crv {
	case "P-256":
		return elliptic.P256()
	case "P-384":
		return elliptic.P384()
	case "P-521":
		return elliptic.P521()
	}
	return nil
}

// usage returns the JWK's "use" and "key_ops".
func (r *rawJWK) usage() usage { return usage{use: r.use, ops: r.ops} }

// publicKey returns pub with the JWK's key ID (or the thumbprint), "use"
// and "key_ops".
func (r *rawJWK) publicKey(pub any, alg Algorithm) *PublicKey {
	k := &PublicKey{key: pub, alg: alg, kid: r.kid, usage: r.usage()}
	if k.kid == "" {
		k.kid = mustThumbprintKID(k)
	}
	return k
}

// b64Member decodes a base64url string member, which must be canonical.
func b64Member(name string, value []byte) ([]byte, error) {
	if value == nil {
		return nil, fmt.Errorf("%w: missing %q member", ErrMalformed, name)
	}
	s, err := strictjson.DecodeString(value)
	if err != nil {
		return nil, fmt.Errorf("%w: %q member is not a string", ErrMalformed, name)
	}
	dst := make([]byte, max(base64url.DecodedLen(len(s)), 0))
	n, err := base64url.Decode(dst, s)
	if err != nil {
		return nil, fmt.Errorf("%w: %q member is not canonical unpadded base64url", ErrMalformed, name)
	}
	return dst[:n], nil
}

// uintMember decodes a Base64urlUInt member ([RFC 7518, Section 2]): a
// positive integer in the fewest octets, with no leading zero octet.
//
// [RFC 7518, Section 2]: https://www.rfc-editor.org/rfc/rfc7518#section-2
func uintMember(name string, value []byte) ([]byte, error) {
	b, err := b64Member(name, value)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: %q member is empty", ErrMalformed, name)
	}
	if b[0] == 0 {
		return nil, fmt.Errorf("%w: %q member has a leading zero octet (RFC 7518, Section 2 requires the minimal encoding)", ErrMalformed, name)
	}
	return b, nil
}

// coordMember decodes an EC coordinate ([RFC 7518, Section 6.2.1.2]) and
// returns it left-padded to size octets. The RFC requires the full size,
// but PyJWT 2.6, jjwt, Keycloak and Gluu write coordinates as minimal
// integers, shorter than the curve size about once in 256 keys (and 3 in 4
// on P-521). Such a coordinate is read, since padding it costs nothing: it
// must still be a minimal integer (no leading zero octet) and the point is
// checked on the curve afterwards. Longer coordinates are refused, and so
// are short private keys (see [fixedMember]); written keys are always padded.
func coordMember(name string, value []byte, size int, crv string) ([]byte, error) {
	b, err := b64Member(name, value)
	if err != nil {
		return nil, err
	}
	switch {
	case len(b) == size:
		return b, nil
	case len(b) > size:
		return nil, fmt.Errorf("%w: %s %q member is %d bytes, want at most %d", ErrMalformed, crv, name, len(b), size)
	case len(b) == 0:
		return nil, fmt.Errorf("%w: %s %q member is empty", ErrMalformed, crv, name)
	case b[0] == 0:
		return nil, fmt.Errorf("%w: %s %q member is neither the curve size (%d bytes) nor a minimal integer", ErrMalformed, crv, name, size)
	}
	padded := make([]byte, size)
	copy(padded[size-len(b):], b)
	return padded, nil
}

// fixedMember decodes a member that must be exactly size octets: an EC
// coordinate or private key ([RFC 7518, Section 6.2.1.2]) or an Ed25519 key
// ([RFC 8037, Section 2]).
//
// [RFC 7518, Section 6.2.1.2]: https://www.rfc-editor.org/rfc/rfc7518#section-6.2.1.2
// [RFC 8037, Section 2]: https://www.rfc-editor.org/rfc/rfc8037#section-2
func fixedMember(name string, value []byte, size int, crv string) ([]byte, error) {
	b, err := b64Member(name, value)
	if err != nil {
		return nil, err
	}
	if len(b) != size {
		return nil, fmt.Errorf("%w: %s %q member is %d bytes, want exactly %d (values are left-padded to the curve size)", ErrMalformed, crv, name, len(b), size)
	}
	return b, nil
}
