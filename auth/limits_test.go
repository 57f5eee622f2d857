package auth_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/limit"
)

// TestLimitSummary: failed client authentications beyond the limit are
// refused without an audit row and logged as one summary line per key.
func TestLimitSummary(t *testing.T) {
	e := newEnv(t, func(c *auth.Config) { c.Limits.ClientAuth = limit.Rate{Burst: 3, Every: time.Hour} })
	c, _, err := e.svc.AddClient(ctx, auth.ClientSpec{Name: "probe"}, meta)
	if err != nil {
		t.Fatal(err)
	}
	var refused int
	for range 50 {
		_, err := e.svc.AuthenticateClient(ctx, c.ID, "wcs_wrong", meta)
		switch code := auth.ErrorCode(err); code {
		case auth.CodeInvalidCredentials:
		case auth.CodeRateLimited:
			refused++
			var ae *auth.Error
			if !errors.As(err, &ae) || ae.RetryAfter != time.Hour {
				t.Fatalf("RetryAfter of %v, want 1h", err)
			}
		default:
			t.Fatalf("AuthenticateClient: %v", err)
		}
	}
	if refused != 47 {
		t.Fatalf("%d refused, want 47", refused)
	}
	if n := e.auditTypes(t, auth.AuditQuery{Type: auth.EventClientAuth})["client_auth/failure"]; n != 3 {
		t.Fatalf("%d failures audited, want 3", n)
	}
	auth.FlushLimitSummary(e.svc)
	want := "msg=rate_limited limit=client_auth key=" + meta.IP + " count=47"
	if !strings.Contains(e.logs.String(), want) {
		t.Fatalf("no %q in the log:\n%s", want, e.logs.String())
	}
	// Another address is not refused.
	other := meta
	other.IP = "192.0.2.200"
	if _, err := e.svc.AuthenticateClient(ctx, c.ID, "wcs_wrong", other); !auth.IsCode(err, auth.CodeInvalidCredentials) {
		t.Fatalf("another address: %v", err)
	}
}

// TestLimitsOff: with Limits.Off nothing is refused.
func TestLimitsOff(t *testing.T) {
	e := newEnv(t, func(c *auth.Config) { c.Limits.Off = true })
	c, _, err := e.svc.AddClient(ctx, auth.ClientSpec{Name: "probe"}, meta)
	if err != nil {
		t.Fatal(err)
	}
	for range 100 {
		if _, err := e.svc.AuthenticateClient(ctx, c.ID, "wcs_wrong", meta); !auth.IsCode(err, auth.CodeInvalidCredentials) {
			t.Fatalf("AuthenticateClient: %v", err)
		}
	}
	if got := e.svc.Config().Limits.Login; got != limit.Off {
		t.Fatalf("Limits.Login with Off = %v", got)
	}
}
