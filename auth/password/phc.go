package password

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

// ErrMalformed is returned by [Hasher.Verify] for a hash that is not a
// canonical argon2id PHC string.
var ErrMalformed = errors.New("password: malformed argon2id hash")

var b64 = base64.RawStdEncoding.Strict() // PHC strings use unpadded, canonical standard base64

// phc is a parsed "$argon2id$v=19$m=…,t=…,p=…$salt$hash" ([PHC string
// format]).
//
// [PHC string format]: https://github.com/P-H-C/phc-string-format/blob/master/phc-sf-spec.md
type phc struct {
	params Params
	salt   []byte
	hash   []byte
}

// parsePHC parses s strictly: one canonical spelling per hash.
func parsePHC(s string) (phc, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v=19" {
		return phc{}, ErrMalformed
	}
	var p phc
	for kv := range strings.SplitSeq(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return phc{}, ErrMalformed
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return phc{}, ErrMalformed
		}
		switch k {
		case "m":
			p.params.Memory = uint32(n)
		case "t":
			p.params.Time = uint32(n)
		case "p":
			if n > 255 {
				return phc{}, ErrMalformed
			}
			p.params.Threads = uint8(n)
		default:
			return phc{}, ErrMalformed
		}
	}
	if p.params.String() != parts[3] { // canonical: m, t, p in order, no leading zeros
		return phc{}, ErrMalformed
	}
	if p.params.Memory == 0 || p.params.Time == 0 || p.params.Threads == 0 || p.params.Memory > maxMemory || p.params.Time > maxTime {
		return phc{}, ErrMalformed
	}
	var err error
	// The decoder skips new lines: compare the re-encoding to reject them.
	if p.salt, err = b64.DecodeString(parts[4]); err != nil || len(p.salt) < 8 || b64.EncodeToString(p.salt) != parts[4] {
		return phc{}, ErrMalformed
	}
	if p.hash, err = b64.DecodeString(parts[5]); err != nil || len(p.hash) < 16 || len(p.hash) > 64 || b64.EncodeToString(p.hash) != parts[5] {
		return phc{}, ErrMalformed
	}
	return p, nil
}

func (p phc) String() string {
	return "$argon2id$v=19$" + p.params.String() + "$" + b64.EncodeToString(p.salt) + "$" + b64.EncodeToString(p.hash)
}
