package redis_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/redis"
	"github.com/wardauth/ward/auth/sqlite"
)

// Example wires one instance of the auth service to Redis, as ward serve
// --redis does: revocations and key changes fan out through the bus, and
// the abuse limits are shared. Run Follow (the server's RunBackground
// does) to receive what other instances publish.
func Example() {
	ctx := context.Background()
	kek := make([]byte, auth.KEKSize) // the operator's key-encryption key
	store, err := sqlite.Open("/var/lib/ward/ward.db")
	if err != nil {
		log.Fatal(err)
	}
	c, err := redis.Open(ctx, "redis://127.0.0.1:6379/0", redis.Options{Prefix: "ward:"})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	bus, err := c.Bus(redis.BusKey(kek))
	if err != nil {
		log.Fatal(err)
	}
	svc, err := auth.NewService(ctx, store, kek, auth.Config{
		Issuer:        "https://auth.example.com",
		RevocationBus: bus,
		Limiter:       c.Limiter(redis.LimiterOptions{}),
	})
	if err != nil {
		log.Fatal(err)
	}
	go svc.Follow(ctx)
}

func ExampleOpen_badURL() {
	_, err := redis.Open(context.Background(), "http://127.0.0.1:6379", redis.Options{})
	fmt.Println(errors.Is(err, redis.ErrBadURL))
	// Output: true
}

func ExampleDecodeMessage() {
	key := redis.BusKey(make([]byte, auth.KEKSize))
	msg, _ := redis.EncodeMessage(&redis.Message{Origin: "a", KeysChanged: true}, key)
	m, err := redis.DecodeMessage(msg, key)
	fmt.Println(m.KeysChanged, err)
	_, err = redis.DecodeMessage(msg, redis.BusKey([]byte("another key-encryption key, 32 b")))
	fmt.Println(errors.Is(err, redis.ErrBadMessage))
	// Output:
	// true <nil>
	// true
}
