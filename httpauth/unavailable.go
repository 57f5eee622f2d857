package httpauth

import "errors"

// ErrUnavailable means the authenticator cannot decide now: the revocation
// feed has not loaded yet, or it is older than its maximum staleness and
// refusal is configured. The middleware answers 503 with Retry-After.
var ErrUnavailable = errors.New("httpauth: revocation state unavailable")
