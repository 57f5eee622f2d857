// Package limit holds the values of Ward's rate limits (a [Rate], a
// [Decision]) and [Memory], the in-memory token-bucket store of one
// instance, built on [golang.org/x/time/rate].
//
// The auth service defines the port these fit, auth.Limiter: buckets named
// by string keys, each call taking a cost and answering allowed or retry
// after. A store shared by several instances (Redis) implements the same
// port with the same semantics.
package limit
