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

// Client is an OAuth client that authenticates with a secret (the
// client_credentials grant, introspection, revocation). Only the SHA-256
// of its secret is stored. The zero value of every permission is "not
// allowed".
type Client struct {
	ID         string // "wci_" + 32 hex digits; the "sub" and "client_id" of its tokens
	Name       string
	SecretHash []byte   // SHA-256 of the secret
	Scopes     []string // allowed scopes, sorted
	// Disabled clients authenticate nowhere; their tokens were revoked
	// when they were disabled.
	Disabled  bool
	CreatedAt time.Time
	// UpdatedAt is when the client was last disabled, enabled or given a
	// new secret (zero: never).
	UpdatedAt time.Time

	// Introspect allows the client to introspect tokens issued to users
	// and to other clients ([RFC 7662, Section 4]). Without it, the
	// introspection endpoint tells the client about its own tokens only,
	// and answers {"active":false} for any other token.
	//
	// [RFC 7662, Section 4]: https://www.rfc-editor.org/rfc/rfc7662#section-4
	Introspect bool
	// IntrospectEmail adds the user's email address ("username") to the
	// client's introspection answers; without it the address is left out.
	// It needs Introspect.
	IntrospectEmail bool
	// Feed allows the client to read the revocation feed for resource
	// servers (stored now; the feed comes with a later version).
	Feed bool

	// PreviousSecretHash is the SHA-256 of the secret that the last
	// [Service.RotateClientSecret] replaced, still accepted before
	// PreviousSecretUntil; nil when there is none.
	PreviousSecretHash  []byte
	PreviousSecretUntil time.Time
}

// ClientSpec describes a client to register with [Service.AddClient].
type ClientSpec struct {
	Name   string   // 1 to 128 bytes
	Scopes []string // the scopes it may request
	// Introspect, IntrospectEmail and Feed are the client's permissions:
	// see [Client].
	Introspect, IntrospectEmail, Feed bool
}

// ClientSecretPrefix starts every client secret.
const ClientSecretPrefix = "wcs_"

// MaxSecretOverlap bounds the overlap of [Service.RotateClientSecret].
const MaxSecretOverlap = 30 * 24 * time.Hour

// newClientSecret returns a new client secret, "wcs_" and 32 random bytes
// in base64url, and its SHA-256.
func newClientSecret() (string, []byte) {
	raw := make([]byte, 32)
	rand.Read(raw)
	secret := ClientSecretPrefix + base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(secret))
	return secret, sum[:]
}

// AddClient registers an OAuth client as spec says and returns it with
// its secret: "wcs_" and 32 random bytes in base64url. The secret is shown
// only here: the store keeps its SHA-256. The registration is audited
// ("client_add") in the same transaction. Errors: [CodeInvalidRequest]
// (an empty name, an invalid scope, IntrospectEmail without Introspect).
func (s *Service) AddClient(ctx context.Context, spec ClientSpec, meta RequestMeta) (*Client, string, error) {
	name := strings.TrimSpace(spec.Name)
	if name == "" || len(name) > 128 {
		return nil, "", Errorf(CodeInvalidRequest, "A client needs a name of 1 to 128 bytes.")
	}
	for _, sc := range spec.Scopes {
		if !validName(sc, 128) {
			return nil, "", Errorf(CodeInvalidRequest, "Invalid scope %q: use letters, digits and _-.:", truncate(sc, 64))
		}
	}
	if spec.IntrospectEmail && !spec.Introspect {
		return nil, "", Errorf(CodeInvalidRequest, "The permission to see email addresses needs the permission to introspect.")
	}
	secret, hash := newClientSecret()
	now := s.now()
	c := &Client{ID: "wci_" + newID(16), Name: name, SecretHash: hash, Scopes: sortedUnique(slices.Clone(spec.Scopes)), CreatedAt: now,
		Introspect: spec.Introspect, IntrospectEmail: spec.IntrospectEmail, Feed: spec.Feed}
	err := s.update(ctx, func(tx Tx, l *txlog) error {
		if err := tx.CreateClient(c); err != nil {
			return err
		}
		ev := s.event(now, EventClientAdd, OutcomeSuccess, meta)
		ev.ClientID, ev.Detail = c.ID, joinDetail("scopes="+joinScope(c.Scopes), clientPermissions(c))
		l.audit(ev)
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return publicClient(c, now), secret, nil
}

// clientPermissions describes c's permissions for the audit log.
func clientPermissions(c *Client) string {
	var p []string
	if c.Introspect {
		p = append(p, "introspect")
	}
	if c.IntrospectEmail {
		p = append(p, "introspect_email")
	}
	if c.Feed {
		p = append(p, "feed")
	}
	if len(p) == 0 {
		return ""
	}
	return "permissions=" + strings.Join(p, ",")
}

// publicClient returns a copy of c without its secret hashes, and with
// PreviousSecretUntil only while the previous secret still works at now.
func publicClient(c *Client, now time.Time) *Client {
	out := *c
	out.SecretHash, out.PreviousSecretHash = nil, nil
	if len(c.PreviousSecretHash) == 0 || !now.Before(c.PreviousSecretUntil) {
		out.PreviousSecretUntil = time.Time{}
	}
	out.Scopes = slices.Clone(c.Scopes)
	return &out
}

// revokeClientTokens revokes the access tokens of client id issued up to
// the end of now's second: [Revocations.Check] refuses a token without a
// session whose "iat" (whole seconds) is in NotBefore's second or earlier.
func revokeClientTokens(l *txlog, id string, now time.Time) {
	l.revoke(Revocation{Kind: RevokeUser, Subject: id, NotBefore: now, Expires: now.Add(keyLifetime), CreatedAt: now})
}

// modifyClient runs change on the client id in a transaction; if it
// returns true, the client is written and an event of type evType (with
// change's detail) audited in the same transaction.
func (s *Service) modifyClient(ctx context.Context, id, evType string, meta RequestMeta, change func(c *Client, l *txlog, now time.Time) (bool, string, error)) error {
	now := s.now()
	return s.update(ctx, func(tx Tx, l *txlog) error {
		c, err := tx.LockClient(id)
		if err != nil {
			return err
		}
		changed, detail, err := change(c, l, now)
		if err != nil || !changed {
			return err
		}
		c.UpdatedAt = now
		if err := tx.UpdateClient(c); err != nil {
			return err
		}
		ev := s.event(now, evType, OutcomeSuccess, meta)
		ev.ClientID, ev.Detail = id, detail
		l.audit(ev)
		return nil
	})
}

// DisableClient disables a client: it authenticates nowhere from now on
// (token, introspection and revocation endpoints), and the access tokens
// it holds are revoked at once. The change and its audit event
// ("client_disable") commit together. Disabling a disabled client does
// nothing. Errors: [CodeNotFound].
func (s *Service) DisableClient(ctx context.Context, id string, meta RequestMeta) error {
	return s.modifyClient(ctx, id, EventClientDisable, meta, func(c *Client, l *txlog, now time.Time) (bool, string, error) {
		if c.Disabled {
			return false, "", nil
		}
		c.Disabled = true
		revokeClientTokens(l, c.ID, now)
		return true, "", nil
	})
}

// EnableClient enables a disabled client ("client_enable"). Errors:
// [CodeNotFound].
func (s *Service) EnableClient(ctx context.Context, id string, meta RequestMeta) error {
	return s.modifyClient(ctx, id, EventClientEnable, meta, func(c *Client, l *txlog, now time.Time) (bool, string, error) {
		if !c.Disabled {
			return false, "", nil
		}
		c.Disabled = false
		return true, "", nil
	})
}

// DeleteClient deletes a client and revokes its access tokens at once;
// the deletion and its audit event ("client_delete") commit together.
// Errors: [CodeNotFound].
func (s *Service) DeleteClient(ctx context.Context, id string, meta RequestMeta) error {
	now := s.now()
	return s.update(ctx, func(tx Tx, l *txlog) error {
		if err := tx.DeleteClient(id); err != nil {
			return err
		}
		revokeClientTokens(l, id, now)
		ev := s.event(now, EventClientDelete, OutcomeSuccess, meta)
		ev.ClientID = id
		l.audit(ev)
		return nil
	})
}

// RotateClientSecret gives a client a new secret and returns it (shown
// only here). With overlap 0 the old secret stops at once and the access
// tokens the client holds are revoked (for a leaked secret); with an
// overlap (at most [MaxSecretOverlap]) the old secret keeps working until
// overlap has passed, and tokens stay valid, so that the client can be
// moved to the new secret without an outage. A secret replaced earlier
// and still in its overlap stops at once. The change and its audit event
// ("client_secret", detail "overlap=…") commit together. Errors:
// [CodeNotFound], [CodeInvalidRequest] (an overlap out of range).
func (s *Service) RotateClientSecret(ctx context.Context, id string, overlap time.Duration, meta RequestMeta) (secret string, err error) {
	if overlap < 0 || overlap > MaxSecretOverlap {
		return "", Errorf(CodeInvalidRequest, "The overlap must be between 0 and %s.", MaxSecretOverlap)
	}
	secret, hash := newClientSecret()
	err = s.modifyClient(ctx, id, EventClientSecret, meta, func(c *Client, l *txlog, now time.Time) (bool, string, error) {
		c.PreviousSecretHash, c.PreviousSecretUntil = nil, time.Time{}
		if overlap > 0 {
			c.PreviousSecretHash, c.PreviousSecretUntil = c.SecretHash, now.Add(overlap)
		} else {
			revokeClientTokens(l, c.ID, now)
		}
		c.SecretHash = hash
		return true, "overlap=" + overlap.String(), nil
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// Client returns the client id without its secret hashes;
// PreviousSecretUntil is set only while the previous secret still works.
// Errors: [CodeNotFound].
func (s *Service) Client(ctx context.Context, id string) (*Client, error) {
	var c *Client
	err := s.view(ctx, func(tx ReadTx) error {
		var err error
		c, err = tx.Client(id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return publicClient(c, s.now()), nil
}

// Clients returns the registered clients, ordered by ID, as
// [Service.Client] does.
func (s *Service) Clients(ctx context.Context) ([]*Client, error) {
	var out []*Client
	now := s.now()
	err := s.view(ctx, func(tx ReadTx) error {
		cs, err := tx.Clients()
		for _, c := range cs {
			out = append(out, publicClient(c, now))
		}
		return err
	})
	return out, err
}

// checkClientSecret reports whether secret is c's at now (its current
// secret, or its previous one within the overlap), in constant time; a nil
// or disabled c never matches, after the same work.
func checkClientSecret(c *Client, secret string, now time.Time) bool {
	sum := sha256.Sum256([]byte(secret))
	want := make([]byte, sha256.Size)
	prev := make([]byte, sha256.Size) // all zero: no SHA-256 output is known to be
	if c != nil && len(c.SecretHash) == sha256.Size {
		want = c.SecretHash
	}
	if c != nil && len(c.PreviousSecretHash) == sha256.Size && now.Before(c.PreviousSecretUntil) {
		prev = c.PreviousSecretHash
	}
	eq := subtle.ConstantTimeCompare(sum[:], want) | subtle.ConstantTimeCompare(sum[:], prev)
	return eq == 1 && c != nil && !c.Disabled
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
	return publicClient(c, s.now()), nil
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
	if !checkClientSecret(c, secret, s.now()) {
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
	scopeStr := joinScope(granted)
	tok, exp, err := s.signAccess(c.ID, "", c.ID, scopeStr, nil, now)
	if err != nil {
		return nil, err
	}
	ev := s.event(now, EventClientToken, OutcomeSuccess, meta)
	ev.ClientID, ev.Detail = c.ID, "scope="+scopeStr
	s.logEvent(&ev)
	return &TokenPair{AccessToken: tok, TokenType: "Bearer", ExpiresIn: int(s.cfg.AccessTTL / time.Second), ExpiresAt: exp, Scope: scopeStr}, nil
}

// IntrospectFor is [Service.Introspect] answered to the authenticated
// client c ([RFC 7662, Section 4]): a client without [Client.Introspect]
// learns about its own client_credentials tokens only, and gets an
// inactive answer for any other token, the same answer as for an invalid
// one (Section 2.2), so that it can tell nothing about users' or other
// clients' tokens; the user's email address (Username) is left out unless
// c has [Client.IntrospectEmail].
//
// [RFC 7662, Section 4]: https://www.rfc-editor.org/rfc/rfc7662#section-4
func (s *Service) IntrospectFor(ctx context.Context, c *Client, token string) (*Introspection, error) {
	in, err := s.Introspect(ctx, token)
	if err != nil || !in.Active {
		return in, err
	}
	own := in.SessionID == "" && in.ClientID == c.ID && in.Subject == c.ID
	if !c.Introspect && !own {
		return &Introspection{}, nil
	}
	if !c.IntrospectEmail {
		in.Username = ""
	}
	return in, nil
}
