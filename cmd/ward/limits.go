package main

import (
	"fmt"
	"strings"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/limit"
)

// limitsFlag is ward serve's --limits: "off", or a comma-separated list
// of NAME=BURST/EVERY (or NAME=off), repeatable. It sets
// [auth.Config].Limits; limits it does not name keep their defaults.
type limitsFlag struct{ l *auth.Limits }

// limitNames are the names --limits takes, with the field each sets.
var limitNames = map[string]func(*auth.Limits) *limit.Rate{
	"login":           func(l *auth.Limits) *limit.Rate { return &l.Login },
	"login-account":   func(l *auth.Limits) *limit.Rate { return &l.LoginAccount },
	"signup":          func(l *auth.Limits) *limit.Rate { return &l.Signup },
	"password-change": func(l *auth.Limits) *limit.Rate { return &l.PasswordChange },
	"client-auth":     func(l *auth.Limits) *limit.Rate { return &l.ClientAuth },
	"introspect":      func(l *auth.Limits) *limit.Rate { return &l.Introspect },
}

func (f limitsFlag) String() string {
	if f.l == nil || f.l.Off {
		return "off"
	}
	return ""
}

func (f limitsFlag) Set(spec string) error {
	for item := range strings.SplitSeq(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "off" {
			f.l.Off = true
			continue
		}
		name, val, ok := strings.Cut(item, "=")
		field := limitNames[name]
		if !ok || field == nil {
			return fmt.Errorf("%q: use off or NAME=BURST/EVERY with NAME one of login, login-account, signup, password-change, client-auth, introspect", item)
		}
		r, err := limit.ParseRate(val)
		if err != nil {
			return fmt.Errorf("%s: %v", name, strings.TrimPrefix(err.Error(), "limit: "))
		}
		*field(f.l) = r
	}
	return nil
}
