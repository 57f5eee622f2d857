// Command httpauthload is the server side of scripts/httpauth-load.sh: a
// trivial protected handler on loopback behind one of five designs, for a
// load tool such as wrk to compare:
//
//	noauth        no authentication
//	httpauth      httpauth.Middleware, ES256 verified on every request,
//	              then the in-memory revocation replica (10^5 entries)
//	httpauth-cache  the same with the verified-token cache
//	redis-session an opaque session ID looked up in Redis per request
//	jwt-redis     an ES256 JWT verified with jose/jwt, then a Redis GET of
//	              its "jti" in a denylist per request
//
// It writes the token to send (as "Authorization: Bearer <token>") to
// -token-out, then serves until killed. It is a benchmark harness, not
// part of the library: nothing imports it.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/httpauth"
	"github.com/wardauth/ward/jose/jwk"
	"github.com/wardauth/ward/jose/jwt"
)

const (
	issuer   = "https://ward.example"
	audience = "api"
)

func main() {
	mode := flag.String("mode", "noauth", "noauth, httpauth, httpauth-cache, redis-session or jwt-redis")
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	tokenOut := flag.String("token-out", "", "file to write the bearer token to")
	redisURL := flag.String("redis", "redis://127.0.0.1:6379/0", "Redis URL (redis-session, jwt-redis)")
	revocations := flag.Int("revocations", 100000, "revoked token IDs in the replica and the denylist")
	flag.Parse()
	if err := run(*mode, *addr, *tokenOut, *redisURL, *revocations); err != nil {
		log.Fatalf("httpauthload: %v", err)
	}
}

func run(mode, addr, tokenOut, redisURL string, nrev int) error {
	ctx := context.Background()
	key, err := jwk.Generate(jwk.ES256)
	if err != nil {
		return err
	}
	priv := key.(*jwk.PrivateKey)
	set, err := jwk.NewSet(priv.Public())
	if err != nil {
		return err
	}
	now := time.Now()
	claims := &httpauth.Claims{
		Claims: jwt.Claims{Issuer: issuer, Subject: "user-1", Audience: jwt.Audience{audience},
			IssuedAt: now, ExpiresAt: now.Add(time.Hour), ID: randomID()},
		SessionID: randomID(), ClientID: "app", Scope: "read",
	}
	signer := jwt.Signer{Key: priv, Type: "at+jwt"}
	token, err := signer.Sign(claims)
	if err != nil {
		return err
	}
	// Every design holds the same replica of nrev revocations, used or not:
	// the garbage collector paces itself on the live heap, so a server
	// with a smaller heap would collect more often and lose throughput
	// for a reason that has nothing to do with its design.
	revs := auth.NewRevocations()
	for range nrev {
		revs.Add(auth.Revocation{Kind: auth.RevokeToken, Subject: randomID(), Expires: now.Add(time.Hour)})
	}
	defer runtime.KeepAlive(revs)
	ok := func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) }
	var h http.Handler
	prefix := "ward:httpauthload:" + randomID() + ":"
	switch mode {
	case "noauth":
		h = http.HandlerFunc(ok)
	case "httpauth", "httpauth-cache":
		size := 0
		if mode == "httpauth-cache" {
			size = 10000
		}
		a, err := httpauth.New(httpauth.Config{
			Issuer: issuer, Audience: audience, Algorithms: []jwk.Algorithm{jwk.ES256},
			Keys: httpauth.StaticKeys(set), Revocations: revs, CacheSize: size,
		})
		if err != nil {
			return err
		}
		h = a.Middleware(http.HandlerFunc(ok))
	case "redis-session", "jwt-redis":
		opt, err := redis.ParseURL(redisURL)
		if err != nil {
			return err
		}
		rdb := redis.NewClient(opt)
		defer rdb.Close()
		if err := rdb.Ping(ctx).Err(); err != nil {
			return fmt.Errorf("redis: %w", err)
		}
		defer cleanup(rdb, prefix)
		if mode == "redis-session" {
			h, token, err = redisSession(ctx, rdb, prefix)
		} else {
			h, err = jwtDenylist(ctx, rdb, prefix, set, nrev)
		}
		if err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown mode %q", mode)
	}
	if tokenOut != "" {
		if err := os.WriteFile(tokenOut, []byte(token), 0o600); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Println("listening on", ln.Addr())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	// On SIGINT or SIGTERM, stop serving and return, so that the Redis
	// keys are deleted.
	sig, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-sig.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// redisSession is the classic server-side session: an opaque ID, looked
// up in Redis on every request.
func redisSession(ctx context.Context, rdb *redis.Client, prefix string) (http.Handler, string, error) {
	sid := randomID() + randomID()
	if err := rdb.Set(ctx, prefix+"sess:"+sid, "user-1", time.Hour).Err(); err != nil {
		return nil, "", err
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !found {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		user, err := rdb.Get(r.Context(), prefix+"sess:"+id).Result()
		if err != nil || user == "" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write([]byte("ok\n"))
	})
	return h, sid, nil
}

// jwtDenylist verifies a JWT, then asks Redis whether its "jti" is
// denied: the design that keeps revocation at the price of a round trip
// per request.
func jwtDenylist(ctx context.Context, rdb *redis.Client, prefix string, set *jwk.Set, nrev int) (http.Handler, error) {
	pipe := rdb.Pipeline()
	for i := range nrev {
		pipe.Set(ctx, prefix+"deny:"+randomID(), 1, time.Hour)
		if i%1000 == 999 {
			if _, err := pipe.Exec(ctx); err != nil {
				return nil, err
			}
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, err
	}
	v := &jwt.Verifier{Keys: set, Algorithms: []jwk.Algorithm{jwk.ES256}, Issuer: issuer, Audience: audience,
		Type: "at+jwt", RequiredClaims: []string{"sub", "iat", "jti", "client_id"}}
	if err := v.Check(); err != nil {
		return nil, err
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !found {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var c httpauth.Claims
		if err := v.VerifyInto(tok, &c); err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		err := rdb.Get(r.Context(), prefix+"deny:"+c.ID).Err()
		if !errors.Is(err, redis.Nil) {
			w.WriteHeader(http.StatusUnauthorized) // denied, or Redis failed
			return
		}
		w.Write([]byte("ok\n"))
	})
	return h, nil
}

// cleanup deletes the harness's keys.
func cleanup(rdb *redis.Client, prefix string) {
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
}

func randomID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}
