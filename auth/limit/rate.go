package limit

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rate is a token bucket: it holds at most Burst tokens and gains one every
// Every. The zero Rate, and any Rate with Burst or Every not positive,
// limits nothing (see [Rate.Unlimited]).
type Rate struct {
	Burst int
	Every time.Duration
}

// Off is a Rate that limits nothing, spelled "off".
var Off = Rate{Burst: -1}

// Unlimited reports whether r limits nothing.
func (r Rate) Unlimited() bool { return r.Burst <= 0 || r.Every <= 0 }

// String returns r as [ParseRate] reads it: "BURST/EVERY" (as in "5/10s")
// or "off".
func (r Rate) String() string {
	if r.Unlimited() {
		return "off"
	}
	return strconv.Itoa(r.Burst) + "/" + r.Every.String()
}

// ErrBadRate is returned by [ParseRate] for a malformed rate.
var ErrBadRate = errors.New("limit: malformed rate")

// ParseRate reads "BURST/EVERY", a bucket of BURST tokens that gains one
// every EVERY (a Go duration: "30/2s" is 30 at once, then one every 2
// seconds), or "off".
func ParseRate(s string) (Rate, error) {
	if s == "off" {
		return Off, nil
	}
	b, e, ok := strings.Cut(s, "/")
	burst, err1 := strconv.Atoi(b)
	every, err2 := time.ParseDuration(e)
	if !ok || err1 != nil || err2 != nil || burst < 1 || burst > 1_000_000 || every <= 0 || every > 24*time.Hour {
		return Rate{}, fmt.Errorf("%w %q: use BURST/EVERY, as in 30/2s, or off", ErrBadRate, s)
	}
	return Rate{Burst: burst, Every: every}, nil
}

// Decision is a limiter's answer.
type Decision struct {
	// Allowed reports whether the tokens were taken.
	Allowed bool
	// RetryAfter is, when not Allowed, how long until they would be there
	// (at least a nanosecond; a cost larger than the bucket waits as long
	// as a full refill).
	RetryAfter time.Duration
}
