package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wardauth/ward/jose/jwk"
)

// Limits on fetching a JWK Set with verify --jwks-url.
const (
	jwksTimeout   = 10 * time.Second
	jwksMaxBody   = 1 << 20 // 1 MiB
	jwksRedirects = 5
)

// checkJWKSURL refuses URLs whose keys could be replaced in transit: only
// https, or plain http to a loopback host, is allowed.
func checkJWKSURL(u *url.URL) error {
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return usagef([]string{"keys fetched over plain http can be replaced in transit; plain http is allowed only for 127.0.0.1, localhost and [::1]"}, "refusing the http URL %s: use https", u.Redacted())
	}
	return usagef(nil, "the JWKS URL must be https (or http to a loopback host), not %q", u.Scheme)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// fetchJWKS gets the JWK Set at rawURL: status 200, body at most
// [jwksMaxBody], within [jwksTimeout], following redirects only to URLs
// that [checkJWKSURL] allows.
func fetchJWKS(rawURL string) (*jwk.Set, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" {
		return nil, usagef(nil, "--jwks-url %q is not an absolute URL", rawURL)
	}
	if err := checkJWKSURL(u); err != nil {
		return nil, err
	}
	if u.Host == "" {
		return nil, usagef(nil, "--jwks-url %q has no host", rawURL)
	}
	client := &http.Client{
		Timeout: jwksTimeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= jwksRedirects {
				return errors.New("too many redirects")
			}
			return checkJWKSURL(req.URL)
		},
	}
	ctx, cancel := context.WithTimeout(context.Background(), jwksTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, usagef(nil, "--jwks-url: %v", err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := client.Do(req)
	if err != nil {
		var ce *cmdError
		if errors.As(err, &ce) {
			return nil, failf("fetching the JWK Set: redirected: %s", ce.msg)
		}
		return nil, failf("fetching the JWK Set: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, failf("fetching the JWK Set: %s answered %s", u.Redacted(), resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, jwksMaxBody+1))
	if err != nil {
		return nil, failf("fetching the JWK Set: %v", err)
	}
	if len(body) > jwksMaxBody {
		return nil, failf("fetching the JWK Set: the response is larger than %d bytes", jwksMaxBody)
	}
	set, err := jwk.ParseSet(body)
	if err != nil {
		return nil, &fileError{u.Redacted(), err}
	}
	return set, nil
}
