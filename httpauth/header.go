package httpauth

import (
	"errors"
	"strings"

	"github.com/wardauth/ward/internal/base64url"
	"github.com/wardauth/ward/internal/strictjson"
)

// maxHeaderSize bounds the encoded JOSE header headerKeyID decodes: a
// Ward header is under 100 bytes.
const maxHeaderSize = 2 << 10

var errHeader = errors.New("httpauth: malformed token header")

// headerKeyID returns the "kid" of the JOSE header of a compact token, ""
// if it has none. Before the token is verified the result names a key to
// look for and nothing else.
func headerKeyID(token string) (string, error) {
	enc, _, ok := strings.Cut(token, ".")
	if !ok || len(enc) > maxHeaderSize {
		return "", errHeader
	}
	hdr, err := base64url.DecodeString(enc)
	if err != nil {
		return "", errHeader
	}
	var kid string
	err = strictjson.ForEachMember(hdr, 4, func(name, value []byte) error {
		if string(name) != "kid" {
			return nil
		}
		s, err := strictjson.DecodeString(value)
		if err != nil {
			return err
		}
		kid = string(s)
		return nil
	})
	if err != nil {
		return "", errHeader
	}
	return kid, nil
}
