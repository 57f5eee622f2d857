package httpauth

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/wardauth/ward/internal/strictjson"
)

// metadataPath is where an issuer publishes its OAuth metadata ([RFC
// 8414, Section 3]).
//
// [RFC 8414, Section 3]: https://www.rfc-editor.org/rfc/rfc8414#section-3
const metadataPath = "/.well-known/oauth-authorization-server"

// metadataURL returns the metadata URL of issuer ([RFC 8414, Section
// 3.1]: the well-known segment goes between the host and any path).
//
// [RFC 8414, Section 3.1]: https://www.rfc-editor.org/rfc/rfc8414#section-3.1
func metadataURL(issuer string) (string, error) {
	u, err := checkURL(issuer, "Issuer")
	if err != nil {
		return "", err
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%w: Issuer %q has a query or fragment", errConfig, issuer)
	}
	u.Path = metadataPath + strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u.String(), nil
}

// checkURL parses an absolute http or https URL of the configuration.
func checkURL(raw, field string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return nil, fmt.Errorf("%w: %s %q is not an absolute http or https URL", errConfig, field, raw)
	}
	return u, nil
}

var errMetadata = errors.New("httpauth: invalid authorization server metadata")

// parseMetadata reads the "issuer" and "jwks_uri" of authorization server
// metadata ([RFC 8414, Section 2]) strictly (one JSON object, no
// duplicate members), and checks that "issuer" is the one asked for
// (Section 3.3) and "jwks_uri" an absolute http or https URL.
//
// [RFC 8414, Section 2]: https://www.rfc-editor.org/rfc/rfc8414#section-2
func parseMetadata(data []byte, issuer string) (jwksURI string, err error) {
	var iss string
	var haveIss, haveJWKS bool
	err = strictjson.ForEachMember(data, 16, func(name, value []byte) error {
		switch string(name) {
		case "issuer":
			s, err := strictjson.DecodeString(value)
			if err != nil {
				return err
			}
			iss, haveIss = string(s), true
		case "jwks_uri":
			s, err := strictjson.DecodeString(value)
			if err != nil {
				return err
			}
			jwksURI, haveJWKS = string(s), true
		}
		return nil
	})
	switch {
	case err != nil:
		return "", fmt.Errorf("%w: %v", errMetadata, err)
	case !haveIss || iss != issuer:
		return "", fmt.Errorf("%w: \"issuer\" is not %q", errMetadata, issuer)
	case !haveJWKS:
		return "", fmt.Errorf("%w: no \"jwks_uri\"", errMetadata)
	}
	if _, err := checkURL(jwksURI, "jwks_uri"); err != nil {
		return "", fmt.Errorf("%w: \"jwks_uri\" is not an absolute http or https URL", errMetadata)
	}
	return jwksURI, nil
}
