package auth

import (
	"context"
	"errors"
	"time"
)

// Observer is told what a [Service] does, for metrics: the outcomes only
// the service knows (a login that failed, a refresh token reused), how
// long password hashing waited, and store failures. Its methods are
// called on the request path after the fact, so they must be cheap, must
// not block, and must be safe for concurrent use. The zero configuration
// is [NopObserver]; the server's Prometheus metrics implement it.
type Observer interface {
	// Audited is called with each audit event once it is durable: logins
	// ([EventLogin], by [AuditEvent.Outcome]), refreshes
	// ([EventRefresh]), reuse detections ([EventRefreshReuse]), and the
	// rest. ev must not be kept or changed.
	Audited(ev *AuditEvent)
	// Revoked is called with revocations once they are durable, each
	// once, on the instance that made them. revs must not be kept.
	Revoked(revs []Revocation)
	// HashWaited is called with how long a password hash or check waited
	// for a hashing slot ([Config.MaxConcurrentHashes]): zero when one was
	// free at once; the full wait when none came in time.
	HashWaited(d time.Duration)
	// StoreFailed is called when a store call fails for a reason of the
	// store's (not for [*Error]s such as [CodeNotFound], nor for a
	// request that was canceled).
	StoreFailed(err error)
}

// NopObserver is an [Observer] that ignores everything.
type NopObserver struct{}

// Audited implements [Observer].
func (NopObserver) Audited(*AuditEvent) {}

// Revoked implements [Observer].
func (NopObserver) Revoked([]Revocation) {}

// HashWaited implements [Observer].
func (NopObserver) HashWaited(time.Duration) {}

// StoreFailed implements [Observer].
func (NopObserver) StoreFailed(error) {}

// storeFailed tells the observer about err if it is a failure of the
// store: not an [*Error] (a result the service chose) unless it is the
// store's own [CodeUnavailable] (its database unreachable), and not a
// cancellation by the caller.
func (s *Service) storeFailed(err error) {
	var ae *Error
	if err == nil || errors.As(err, &ae) && ae.Code != CodeUnavailable || errors.Is(err, context.Canceled) {
		return
	}
	s.obs.StoreFailed(err)
}
