package auth_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/sqlite"
)

// This example tells why a service is not ready, as a readiness probe
// does: here its revocation list is older than the maximum staleness.
func ExampleService_Ready() {
	dir, _ := os.MkdirTemp("", "ward-example")
	defer os.RemoveAll(dir)
	store, err := sqlite.Open(filepath.Join(dir, "ward.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	kek, _ := auth.ParseKEK(auth.NewKEK())
	now := time.Now()
	svc, err := auth.NewService(context.Background(), store, kek, auth.Config{
		Issuer:                 "https://auth.example.com",
		MaxRevocationStaleness: time.Minute,
		Now:                    func() time.Time { return now },
	})
	if err != nil {
		log.Fatal(err)
	}
	now = now.Add(2 * time.Minute) // no Sync for two minutes

	err = svc.Ready(context.Background())
	switch {
	case err == nil:
		fmt.Println("ready")
	case errors.Is(err, auth.ErrRevocationsStale):
		fmt.Println("not ready: revocations stale")
	case errors.Is(err, auth.ErrStoreUnreachable):
		fmt.Println("not ready: store unreachable")
	case errors.Is(err, auth.ErrKeysNotLoaded), errors.Is(err, auth.ErrRevocationsNotLoaded):
		fmt.Println("not ready: still loading")
	}
	// Output: not ready: revocations stale
}
