package keyring

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// ExampleRing_Rewrap moves a keyring to a new key-encryption key. The
// errors are sentinels: a wrong KEK ([ErrSealed]), a new KEK that is the
// current one ([ErrSameKEK]) or not a key ([ErrKEKSize]).
func ExampleRing_Rewrap() {
	cfg := Config{Algorithm: "ES256", CacheTTL: 5 * time.Minute, Propagation: 5 * time.Second, RotationInterval: 30 * 24 * time.Hour, Lifetime: time.Hour,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), IsNotFound: func(err error) bool { return errors.Is(err, errNotFound) }}
	oldKEK, newKEK := make([]byte, KEKSize), make([]byte, KEKSize)
	newKEK[0] = 1
	ring, _ := New(oldKEK, cfg)
	tx := newMemTx() // a store transaction: auth.Tx satisfies Tx
	p, _ := ring.Load(tx, nil)
	ring.Advance(tx, p, time.Now())

	_, _, err := ring.Rewrap(tx, oldKEK)
	fmt.Println(errors.Is(err, ErrSameKEK))
	_, _, err = ring.Rewrap(tx, newKEK[:16])
	fmt.Println(errors.Is(err, ErrKEKSize))
	res, commit, err := ring.Rewrap(tx, newKEK)
	if err != nil {
		panic(err)
	}
	commit() // once tx has committed
	fmt.Println(res.Keys, res.Secrets)

	stale, _ := New(oldKEK, cfg)
	_, err = stale.Load(tx, nil)
	fmt.Println(errors.Is(err, ErrSealed))
	// Output:
	// true
	// true
	// 2 1
	// true
}
