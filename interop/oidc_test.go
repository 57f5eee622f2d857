package interop

// coreos/go-oidc's RemoteKeySet and golang-jwt against a running Ward
// server: the RFC 8414 metadata leads to the JWKS, whose keys verify Ward's
// access tokens (RFC 9068) in every asymmetric algorithm Ward signs with,
// before and after key rotations.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	gjwt "github.com/golang-jwt/jwt/v5"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/jose/jwk"
)

// srvMetadata is the part of the RFC 8414 metadata clients use here.
type srvMetadata struct {
	Issuer              string   `json:"issuer"`
	TokenEndpoint       string   `json:"token_endpoint"`
	JWKSURI             string   `json:"jwks_uri"`
	GrantTypesSupported []string `json:"grant_types_supported"`
}

// metadata fetches GET /.well-known/oauth-authorization-server (RFC 8414,
// Section 3) and checks that its URLs are the server's.
func (ws *wardServer) metadata(tb testing.TB) srvMetadata {
	tb.Helper()
	res, err := http.Get(ws.URL + "/.well-known/oauth-authorization-server")
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var md srvMetadata
	if res.StatusCode != http.StatusOK || json.Unmarshal(raw, &md) != nil {
		tb.Fatalf("metadata: %d %s", res.StatusCode, raw)
	}
	// RFC 8414, Section 3.3: the issuer is the URL the metadata was
	// fetched under.
	if md.Issuer != ws.URL || md.TokenEndpoint != ws.tokenURL() || md.JWKSURI != ws.URL+"/.well-known/jwks.json" {
		tb.Fatalf("metadata URLs: %+v (server %s)", md, ws.URL)
	}
	return md
}

// jwksKeys fetches the JWKS with go-jose.
func (ws *wardServer) jwksKeys(tb testing.TB, uri string) jose.JSONWebKeySet {
	tb.Helper()
	res, err := http.Get(uri)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(res.Body).Decode(&set); err != nil {
		tb.Fatalf("JWKS: %v", err)
	}
	for _, k := range set.Keys {
		if !k.IsPublic() {
			tb.Fatalf("JWKS holds a private key: kid %q", k.KeyID)
		}
	}
	return set
}

// srvAccessClaims are the RFC 9068 claims of Ward's access tokens, for
// golang-jwt.
type srvAccessClaims struct {
	gjwt.RegisteredClaims
	ClientID string   `json:"client_id"`
	Scope    string   `json:"scope"`
	SID      string   `json:"sid"`
	Roles    []string `json:"roles"`
}

// checkAccessClaims verifies token with golang-jwt, strictly, with the key
// of its kid in the server's JWKS (read by go-jose), and checks the RFC 9068
// header and claims.
func checkAccessClaims(tb testing.TB, ws *wardServer, token, sub, clientID, scope string, session bool) *srvAccessClaims {
	tb.Helper()
	set := ws.jwksKeys(tb, ws.URL+"/.well-known/jwks.json")
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ"`
	}
	seg, _, _ := strings.Cut(token, ".")
	if raw, err := base64.RawURLEncoding.DecodeString(seg); err != nil || json.Unmarshal(raw, &header) != nil {
		tb.Fatalf("header of %q: %v", token, err)
	}
	// RFC 9068, Section 2.1.
	if header.Typ != "at+jwt" || header.Kid == "" {
		tb.Errorf("header %+v: want typ at+jwt and a kid", header)
	}
	keys := set.Key(header.Kid)
	if len(keys) != 1 {
		tb.Fatalf("%d keys for kid %q in the JWKS", len(keys), header.Kid)
	}
	if keys[0].Algorithm != header.Alg {
		tb.Errorf("JWK alg %q, token alg %q", keys[0].Algorithm, header.Alg)
	}
	parser := gjwt.NewParser(
		gjwt.WithValidMethods([]string{keys[0].Algorithm}),
		gjwt.WithIssuer(ws.URL),
		gjwt.WithAudience(ws.URL),
		gjwt.WithExpirationRequired(),
		gjwt.WithIssuedAt(),
		gjwt.WithTimeFunc(ws.clock.Now),
		gjwt.WithLeeway(auth.Leeway),
	)
	var c srvAccessClaims
	tok, err := parser.ParseWithClaims(token, &c, func(t *gjwt.Token) (any, error) {
		if t.Header["kid"] != header.Kid {
			return nil, fmt.Errorf("kid %v", t.Header["kid"])
		}
		return keys[0].Key, nil
	})
	if err != nil || !tok.Valid {
		tb.Fatalf("golang-jwt: %v", err)
	}
	if tok.Header["typ"] != "at+jwt" {
		tb.Errorf("golang-jwt header typ %v", tok.Header["typ"])
	}
	// RFC 9068, Section 2.2: iss, exp, aud, sub, client_id, iat, jti.
	now := ws.clock.Now()
	switch {
	case c.Subject != sub:
		tb.Errorf("sub %q, want %q", c.Subject, sub)
	case c.ClientID != clientID:
		tb.Errorf("client_id %q, want %q", c.ClientID, clientID)
	case c.Scope != scope:
		tb.Errorf("scope %q, want %q", c.Scope, scope)
	case c.ID == "":
		tb.Errorf("no jti")
	case c.IssuedAt == nil || c.ExpiresAt == nil || c.ExpiresAt.Sub(c.IssuedAt.Time) != auth.DefaultAccessTTL:
		tb.Errorf("iat %v exp %v: want exp = iat + %v", c.IssuedAt, c.ExpiresAt, auth.DefaultAccessTTL)
	case c.IssuedAt.After(now.Add(time.Second)) || c.IssuedAt.Before(now.Add(-time.Minute)):
		tb.Errorf("iat %v, now %v", c.IssuedAt, now)
	case !slices.Equal(c.Audience, gjwt.ClaimStrings{ws.URL}):
		tb.Errorf("aud %v", c.Audience)
	case session != (c.SID != ""):
		tb.Errorf("sid %q, session %v", c.SID, session)
	}
	return &c
}

// tamperSignature flips a bit in the middle of the signature.
func tamperSignature(token string) string {
	i := strings.LastIndexByte(token, '.') + (len(token)-strings.LastIndexByte(token, '.'))/2
	b := []byte(token)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// tamperPayload replaces the subject, keeping the signature.
func tamperPayload(tb testing.TB, token string) string {
	tb.Helper()
	parts := strings.Split(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		tb.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		tb.Fatal(err)
	}
	m["sub"] = "someone-else"
	raw, _ = json.Marshal(m)
	parts[1] = base64.RawURLEncoding.EncodeToString(raw)
	return strings.Join(parts, ".")
}

func payloadOfToken(token string) []byte {
	parts := strings.Split(token, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	return raw
}

// The RemoteKeySet at the metadata's jwks_uri verifies Ward's access
// tokens, user and client, for each signing algorithm Ward offers, and
// refuses tampered ones.
func TestOIDCRemoteKeySet(t *testing.T) {
	for _, alg := range jwk.Algorithms() {
		if alg.KeyType() == jwk.KeyTypeOct {
			continue // refused by auth.Config: access tokens are verified with public keys
		}
		t.Run(string(alg), func(t *testing.T) {
			t.Parallel()
			ws := startWard(t, wardServerOptions{auth: func(c *auth.Config) { c.SigningAlg = alg }})
			md := ws.metadata(t)
			ctx := bgCtx(t)
			keySet := oidc.NewRemoteKeySet(ctx, md.JWKSURI)

			email := ws.addUser("eve@example.com")
			userTok := ws.login(email).AccessToken
			id, secret := ws.addClient("reports:read")
			cc, err := (&clientCredentialsCfg{id, secret, md.TokenEndpoint}).token(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for name, tok := range map[string]string{"user": userTok, "client": cc} {
				payload, err := keySet.VerifySignature(ctx, tok)
				if err != nil {
					t.Fatalf("%s token: %v", name, err)
				}
				if string(payload) != string(payloadOfToken(tok)) {
					t.Fatalf("%s token: payload %s", name, payload)
				}
				if _, err := keySet.VerifySignature(ctx, tamperSignature(tok)); err == nil {
					t.Errorf("%s token with a tampered signature verified", name)
				}
				if _, err := keySet.VerifySignature(ctx, tamperPayload(t, tok)); err == nil {
					t.Errorf("%s token with a tampered payload verified", name)
				}
			}
			u, err := ws.svc.UserByEmail(ctx, email)
			if err != nil {
				t.Fatal(err)
			}
			if c := checkAccessClaims(t, ws, userTok, u.ID, auth.DefaultAppClientID, "", true); c.SID == "" {
				t.Error("user token without sid")
			}
			checkAccessClaims(t, ws, cc, id, id, "reports:read", false)
		})
	}
}

// clientCredentialsCfg gets a client_credentials token with a plain
// form POST, so that the go-oidc test depends on no other client.
type clientCredentialsCfg struct{ id, secret, tokenURL string }

func (c *clientCredentialsCfg) token(ctx context.Context) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, "POST", c.tokenURL, strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(c.id, c.secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var tp srvTokens
	if err := json.NewDecoder(res.Body).Decode(&tp); err != nil || res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("token endpoint: %d %v", res.StatusCode, err)
	}
	return tp.AccessToken, nil
}

// After key rotations, tokens signed by a key the RemoteKeySet has not
// seen verify through the same RemoteKeySet: it fetches the JWKS again on
// an unknown kid. Tokens signed before the rotations still verify (the
// retired key stays in the JWKS while its tokens can be valid).
func TestOIDCKeyRotation(t *testing.T) {
	ws := startWard(t)
	md := ws.metadata(t)
	ctx := bgCtx(t)
	keySet := oidc.NewRemoteKeySet(ctx, md.JWKSURI)
	email := ws.addUser("rot@example.com")

	before := ws.login(email).AccessToken
	if _, err := keySet.VerifySignature(ctx, before); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, k := range ws.jwksKeys(t, md.JWKSURI).Keys {
		seen[k.KeyID] = true
	}
	fetches := ws.fetches()

	// Rotate until the active key is one that was not published when the
	// RemoteKeySet fetched the JWKS (the next key is published one JWKS
	// cache lifetime before it signs, so this takes two rotations).
	ttl := ws.svc.Config().JWKSCacheTTL
	for i := 0; seen[ws.svc.ActiveKeyID()]; i++ {
		if i == 4 {
			t.Fatalf("still signing with a key published before: %s", ws.svc.ActiveKeyID())
		}
		ws.clock.Advance(ttl + time.Second)
		res, err := ws.svc.RotateKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Rotated {
			ws.clock.Advance(res.ActivateAt.Sub(ws.clock.Now()) + time.Second)
			if _, err := ws.svc.MaybeRotateKeys(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	after := ws.login(email).AccessToken
	if _, err := keySet.VerifySignature(ctx, after); err != nil {
		t.Fatalf("token of the new key %s: %v", ws.svc.ActiveKeyID(), err)
	}
	if got := ws.fetches(); got != fetches+1 {
		t.Errorf("JWKS fetched %d times for the new kid, want once", got-fetches)
	}
	if _, err := keySet.VerifySignature(ctx, before); err != nil {
		t.Fatalf("token of the retired key: %v", err)
	}
	if got := ws.fetches(); got != fetches+1 {
		t.Errorf("JWKS fetched again for a key it holds")
	}
	if _, err := keySet.VerifySignature(ctx, tamperSignature(after)); err == nil {
		t.Error("tampered token of the new key verified")
	}
	u, err := ws.svc.UserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	checkAccessClaims(t, ws, after, u.ID, auth.DefaultAppClientID, "", true)
}
