package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"slices"
	"strings"
	"time"
)

// ClientSecretPrefix starts every client secret.
const ClientSecretPrefix = "wcs_"

// AddClient registers an OAuth client allowed the given scopes and returns
// it with its secret: "wcs_" and 32 random bytes in base64url. The secret
// is shown only here: the store keeps its SHA-256. Errors:
// [CodeInvalidRequest] (an empty name or an invalid scope).
func (s *Service) AddClient(ctx context.Context, name string, scopes []string, meta RequestMeta) (*Client, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 128 {
		return nil, "", Errorf(CodeInvalidRequest, "A client needs a name of 1 to 128 bytes.")
	}
	for _, sc := range scopes {
		if !validName(sc, 128) {
			return nil, "", Errorf(CodeInvalidRequest, "Invalid scope %q: use letters, digits and _-.:", truncate(sc, 64))
		}
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	secret := ClientSecretPrefix + base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(secret))
	now := s.now()
	c := &Client{ID: "wci_" + newID(16), Name: name, SecretHash: sum[:], Scopes: sortedUnique(slices.Clone(scopes)), CreatedAt: now}
	err := s.update(ctx, func(tx Tx, l *txlog) error {
		if err := tx.CreateClient(c); err != nil {
			return err
		}
		ev := s.event(now, EventClientAdd, OutcomeSuccess, meta)
		ev.ClientID, ev.Detail = c.ID, "scopes="+joinScope(c.Scopes)
		l.audit(ev)
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	out := *c
	out.SecretHash = nil
	return &out, secret, nil
}

// Clients returns the registered clients, without secret hashes.
func (s *Service) Clients(ctx context.Context) ([]*Client, error) {
	var out []*Client
	err := s.view(ctx, func(tx ReadTx) error {
		cs, err := tx.Clients()
		for _, c := range cs {
			c.SecretHash = nil
			out = append(out, c)
		}
		return err
	})
	return out, err
}

// checkClientSecret reports whether secret is c's, in constant time; a nil
// or disabled c never matches, after the same work.
func checkClientSecret(c *Client, secret string) bool {
	sum := sha256.Sum256([]byte(secret))
	want := make([]byte, sha256.Size)
	if c != nil && len(c.SecretHash) == sha256.Size {
		want = c.SecretHash
	}
	eq := subtle.ConstantTimeCompare(sum[:], want) == 1
	return eq && c != nil && !c.Disabled
}

func sortedUnique(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

func joinScope(s []string) string { return strings.Join(s, " ") }

// AuthenticateClient checks a client's ID and secret and returns the
// client, without its secret hash; no token is signed. It is the client
// authentication of the introspection and revocation endpoints ([RFC
// 7662, Section 2.1], [RFC 7009, Section 2.1]). The presented secret's
// SHA-256 is compared with the stored one in constant time, and an
// unknown client costs the same work as a wrong secret. Failures are
// audited ("client_auth", detail "reason=bad_client"); successes are not.
// Errors: [CodeInvalidCredentials] (unknown or disabled client, wrong
// secret), [CodeRateLimited] (the address spent its failures,
// [Limits].ClientAuth).
//
// [RFC 7662, Section 2.1]: https://www.rfc-editor.org/rfc/rfc7662#section-2.1
// [RFC 7009, Section 2.1]: https://www.rfc-editor.org/rfc/rfc7009#section-2.1
func (s *Service) AuthenticateClient(ctx context.Context, clientID, secret string, meta RequestMeta) (*Client, error) {
	c, err := s.checkClient(ctx, clientID, secret, EventClientAuth, meta)
	if err != nil {
		return nil, err
	}
	out := *c
	out.SecretHash = nil
	out.Scopes = slices.Clone(c.Scopes)
	return &out, nil
}

// checkClient returns the client clientID if secret is its secret; on a
// failure it audits an event of type evType and returns
// [CodeInvalidCredentials]. An address that has spent its failures
// ([Limits].ClientAuth) is refused with [CodeRateLimited] before the
// secret is checked; a failure beyond the limit (concurrent ones) is
// counted in the summary log rather than audited.
func (s *Service) checkClient(ctx context.Context, clientID, secret, evType string, meta RequestMeta) (*Client, error) {
	lim, ip := s.cfg.Limits.ClientAuth, meta.clean().IP
	if err := s.allow(ctx, limClientAuth, lim, ip, 0); err != nil {
		return nil, err
	}
	var c *Client
	err := s.view(ctx, func(tx ReadTx) error {
		var err error
		c, err = tx.Client(clientID)
		return err
	})
	if err != nil && !IsCode(err, CodeNotFound) {
		return nil, err
	}
	if !checkClientSecret(c, secret) {
		if s.allow(ctx, limClientAuth, lim, ip, 1) == nil {
			ev := s.event(s.now(), evType, OutcomeFailure, meta)
			ev.ClientID, ev.Detail = truncate(clientID, 64), "reason=bad_client"
			s.recordFailure(ctx, ev)
		}
		return nil, &Error{Code: CodeInvalidCredentials, Message: "Wrong client ID or secret."}
	}
	return c, nil
}

// ClientCredentials is the OAuth client_credentials grant ([RFC 6749,
// Section 4.4]): it checks the client's secret (SHA-256, compared in
// constant time) and returns an access token with "sub" and "client_id"
// the client ID and "scope" the requested scopes (all the client's scopes
// if none are requested), and no refresh token. Successes are logged, not
// stored, so that the grant costs no write; failures are audited. Errors:
// [CodeInvalidCredentials], [CodeInvalidScope], [CodeRateLimited] (the
// address spent its failures, [Limits].ClientAuth).
//
// [RFC 6749, Section 4.4]: https://www.rfc-editor.org/rfc/rfc6749#section-4.4
func (s *Service) ClientCredentials(ctx context.Context, clientID, clientSecret string, scope []string, meta RequestMeta) (*TokenPair, error) {
	c, err := s.checkClient(ctx, clientID, clientSecret, EventClientToken, meta)
	if err != nil {
		return nil, err
	}
	now := s.now()
	granted := c.Scopes
	if len(scope) > 0 {
		for _, sc := range scope {
			if !slices.Contains(c.Scopes, sc) {
				return nil, Errorf(CodeInvalidScope, "The client may not request scope %q.", truncate(sc, 64))
			}
		}
		granted = sortedUnique(slices.Clone(scope))
	}
	st, err := s.keys.state()
	if err != nil {
		return nil, err
	}
	scopeStr := joinScope(granted)
	tok, exp, err := s.signAccess(st, c.ID, "", c.ID, scopeStr, nil, now)
	if err != nil {
		return nil, err
	}
	ev := s.event(now, EventClientToken, OutcomeSuccess, meta)
	ev.ClientID, ev.Detail = c.ID, "scope="+scopeStr
	s.logEvent(&ev)
	return &TokenPair{AccessToken: tok, TokenType: "Bearer", ExpiresIn: int(s.cfg.AccessTTL / time.Second), ExpiresAt: exp, Scope: scopeStr}, nil
}
