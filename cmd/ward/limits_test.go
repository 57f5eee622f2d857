package main

import (
	"io"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/limit"
)

// TestParseServeLimits: --limits and WARD_LIMITS set auth.Config.Limits;
// limits not named keep their defaults (the zero Rate); a bad spec is a
// usage error.
func TestParseServeLimits(t *testing.T) {
	t.Parallel()
	e := &env{stdout: io.Discard, stderr: io.Discard}
	noEnv := func(k string) string { return map[string]string{"XDG_DATA_HOME": "/xdg"}[k] }
	cfg, code := parseServeFlags(e, nil, noEnv)
	if code >= 0 || cfg.Limits != (auth.Limits{}) {
		t.Fatalf("default: exit %d, %+v", code, cfg.Limits)
	}
	cfg, code = parseServeFlags(e, []string{"--limits", "login=100/1s,signup=off", "--limits", "introspect=1000/1ms"}, noEnv)
	want := auth.Limits{
		Login:      limit.Rate{Burst: 100, Every: time.Second},
		Signup:     limit.Off,
		Introspect: limit.Rate{Burst: 1000, Every: time.Millisecond},
	}
	if code >= 0 || cfg.Limits != want {
		t.Fatalf("flags: exit %d, %+v", code, cfg.Limits)
	}
	cfg, code = parseServeFlags(e, nil, func(k string) string {
		return map[string]string{"XDG_DATA_HOME": "/xdg", "WARD_LIMITS": "off"}[k]
	})
	if code >= 0 || !cfg.Limits.Off {
		t.Fatalf("WARD_LIMITS=off: exit %d, %+v", code, cfg.Limits)
	}
	for _, bad := range []string{"login", "logins=5/1s", "login=5", "login=0/1s"} {
		if _, code := parseServeFlags(e, []string{"--limits", bad}, noEnv); code != 2 {
			t.Errorf("--limits %q: exit %d, want 2", bad, code)
		}
	}
}
