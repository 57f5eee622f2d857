// Command notes is an example resource server: a small notes API whose
// routes are protected by [httpauth] against a running ward serve. It
// verifies access tokens on its own, with the issuer's JWKS, and refuses
// a logged-out or revoked token within milliseconds, through the
// revocation feed, with no call to the auth server per request.
//
//	GET  /notes    the caller's notes: any valid access token
//	POST /notes    add a note ({"text":"..."}): a user with the role "editor"
//	GET  /stats    how many notes there are: a service token with the
//	               scope "notes:read" (client_credentials)
//	GET  /healthz  alive; GET /readyz: the revocation replica is loaded
//
// Run it beside ward serve:
//
//	$ ward serve --data-dir ./ward-data
//	$ ward client add --data-dir ./ward-data --feed notes > notes.env
//	$ go run ./examples/notes --issuer http://127.0.0.1:8080 --audience http://127.0.0.1:8080 --feed-client notes.env
//
// The feed client's file is what "ward client add" prints (client_id=...
// and client_secret=... lines); WARD_CLIENT_ID and WARD_CLIENT_SECRET may
// give them instead.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/wardauth/ward/httpauth"
	"github.com/wardauth/ward/jose/jwk"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "notes: error: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:8090", "listen address")
	issuer := flag.String("issuer", "", "the auth server's issuer URL (required)")
	audience := flag.String("audience", "", "the audience of the access tokens (required)")
	feedClient := flag.String("feed-client", "", `file with the client_id=... and client_secret=... lines of "ward client add --feed"`)
	maxStaleness := flag.Duration("max-staleness", time.Minute, "the replica is stale after this long without news from the feed")
	refuseWhenStale := flag.Bool("refuse-when-stale", false, "answer 503 while the replica is stale")
	flag.Parse()
	if *issuer == "" || *audience == "" {
		return errors.New("--issuer and --audience are required")
	}
	if *maxStaleness <= 0 {
		return errors.New("--max-staleness must be positive")
	}
	id, secret := os.Getenv("WARD_CLIENT_ID"), os.Getenv("WARD_CLIENT_SECRET")
	if *feedClient != "" {
		var err error
		if id, secret, err = readClientFile(*feedClient); err != nil {
			return err
		}
	}
	if id == "" || secret == "" {
		return errors.New("the revocation feed needs a client: give --feed-client FILE (ward client add --feed NAME > FILE)")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	keys, err := httpauth.NewRemoteKeySet(ctx, httpauth.RemoteKeySetConfig{Issuer: *issuer})
	if err != nil {
		return err
	}
	feed, err := httpauth.NewFeed(httpauth.FeedConfig{Issuer: *issuer, ClientID: id, ClientSecret: secret,
		MaxStaleness: *maxStaleness, RefuseWhenStale: *refuseWhenStale, Logger: log})
	if err != nil {
		return err
	}
	go feed.Run(ctx)
	auth, err := httpauth.New(httpauth.Config{
		Issuer:      *issuer,
		Audience:    *audience,
		Algorithms:  []jwk.Algorithm{jwk.ES256, jwk.EdDSA, jwk.RS256, jwk.PS256},
		Keys:        keys,
		Revocations: feed,
		CacheSize:   10000,
	})
	if err != nil {
		return err
	}

	n := &notes{byUser: map[string][]string{}}
	mux := http.NewServeMux()
	mux.Handle("GET /notes", auth.Middleware(http.HandlerFunc(n.list)))
	mux.Handle("POST /notes", auth.Middleware(httpauth.RequireRole("editor")(http.HandlerFunc(n.add))))
	mux.Handle("GET /stats", auth.Middleware(httpauth.RequireScope("notes:read")(http.HandlerFunc(n.stats))))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]string{"status": "ok"}) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if st := feed.Status(); !st.Ready || st.Stale {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"ready": st.Ready, "stale": st.Stale})
			return
		}
		writeJSON(w, 200, map[string]string{"status": "ready"})
	})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(os.Stderr, "notes: listening on http://%s\n", ln.Addr())
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// readClientFile reads the client_id=... and client_secret=... lines that
// "ward client add" prints.
func readClientFile(name string) (id, secret string, err error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return "", "", err
	}
	for line := range strings.Lines(string(data)) {
		k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
		switch k {
		case "client_id":
			id = v
		case "client_secret":
			secret = v
		}
	}
	return id, secret, nil
}

// Limits of the in-memory store.
const (
	maxNotesPerUser = 1000
	maxNoteBytes    = 4 << 10
)

// notes keeps every user's notes in memory.
type notes struct {
	mu     sync.Mutex
	byUser map[string][]string // by the token's subject
}

func (n *notes) list(w http.ResponseWriter, r *http.Request) {
	c, _ := httpauth.ClaimsFrom(r.Context())
	n.mu.Lock()
	mine := append([]string{}, n.byUser[c.Subject]...)
	n.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"subject": c.Subject, "notes": mine})
}

func (n *notes) add(w http.ResponseWriter, r *http.Request) {
	c, _ := httpauth.ClaimsFrom(r.Context())
	var body struct {
		Text string `json:"text"`
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxNoteBytes+64))
	if err != nil || json.Unmarshal(data, &body) != nil || body.Text == "" || len(body.Text) > maxNoteBytes {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "send {\"text\":\"...\"}, at most 4 KiB"})
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.byUser[c.Subject]) >= maxNotesPerUser {
		writeJSON(w, http.StatusConflict, map[string]string{"error": "too many notes"})
		return
	}
	n.byUser[c.Subject] = append(n.byUser[c.Subject], body.Text)
	writeJSON(w, http.StatusCreated, map[string]any{"notes": len(n.byUser[c.Subject])})
}

func (n *notes) stats(w http.ResponseWriter, r *http.Request) {
	n.mu.Lock()
	users, total := len(n.byUser), 0
	for _, ns := range n.byUser {
		total += len(ns)
	}
	n.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]int{"users": users, "notes": total})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
