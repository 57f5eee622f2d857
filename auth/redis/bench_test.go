package redis_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/authtest"
	"github.com/wardauth/ward/auth/limit"
	"github.com/wardauth/ward/auth/redis"
)

// BenchmarkLimiterAllow is the shared limiter's cost per request: one
// Allow of a hot key (one script call, one round trip to Redis), from
// parallel goroutines (Hot) and one at a time (Serial, the latency).
func BenchmarkLimiterAllow(b *testing.B) {
	url := authtest.RedisURL(b)
	l := openClient(b, url, testPrefix(b, url)).Limiter(redis.LimiterOptions{})
	r := limit.Rate{Burst: 20, Every: 3 * time.Second}
	b.Run("Serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := l.Allow(ctx, "client_auth:127.0.0.1", r, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := l.Allow(ctx, "client_auth:127.0.0.1", r, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// BenchmarkPublishApply is the latency from one instance's Publish of a
// revocation to its being in another instance's replica (the handler
// [auth.Service.Follow] installs): one message at a time, so ns/op is
// the latency.
func BenchmarkPublishApply(b *testing.B) {
	url := authtest.RedisURL(b)
	prefix := testPrefix(b, url)
	pub, err := openClient(b, url, prefix).Bus(busKey)
	if err != nil {
		b.Fatal(err)
	}
	sub, err := openClient(b, url, prefix).Bus(busKey)
	if err != nil {
		b.Fatal(err)
	}
	replica := auth.NewRevocations()
	applied := make(chan struct{}, 1)
	subscribe(b, sub, auth.BusHandler{
		Revoked: func(revs []auth.Revocation) {
			replica.Add(revs...)
			applied <- struct{}{}
		},
		KeysChanged: func() {},
		Resumed:     func() {},
	})
	exp := time.Now().Add(time.Hour)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		rev := auth.Revocation{Kind: auth.RevokeToken, Subject: "jti-" + strconv.Itoa(i), Expires: exp}
		if err := pub.Publish(ctx, []auth.Revocation{rev}); err != nil {
			b.Fatal(err)
		}
		select {
		case <-applied:
		case <-time.After(10 * time.Second):
			b.Fatal("a message was not delivered within 10s")
		}
	}
	if replica.Len() != i {
		b.Fatalf("%d applied, want %d", replica.Len(), i)
	}
}
