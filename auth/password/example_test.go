package password_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wardauth/ward/auth/password"
)

func ExampleHasher_Verify() {
	h, err := password.New(password.Params{}, password.Options{MaxWait: 5 * time.Second})
	if err != nil {
		panic(err)
	}
	hash, _ := h.Hash(context.Background(), "correct horse battery staple")
	ok, rehash, err := h.Verify(context.Background(), "correct horse battery staple", hash)
	fmt.Println(ok, rehash, err)
	_, _, err = h.Verify(context.Background(), "anything", "$argon2id$v=19$m=0")
	fmt.Println(errors.Is(err, password.ErrMalformed))
	// Output:
	// true false <nil>
	// true
}

func ExampleErrBusy() {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a caller that cannot wait
	// Hold the only slot so that the next caller must wait.
	block := make(chan struct{})
	held := make(chan struct{})
	h2, _ := password.New(password.Params{}, password.Options{MaxConcurrent: 1, OnHash: func(password.Params) {
		close(held)
		<-block
	}})
	go h2.Hash(context.Background(), "first")
	<-held
	_, err := h2.Hash(ctx, "second")
	fmt.Println(errors.Is(err, password.ErrBusy))
	close(block)
	// Output: true
}
