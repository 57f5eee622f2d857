package auth

import (
	"context"
	"errors"

	"github.com/wardauth/ward/auth/password"
)

// hash hashes a new password with the service's [password.Hasher]
// ([CodeUnavailable] when no hashing slot is free in time).
func (s *Service) hash(ctx context.Context, pw string) (string, error) {
	h, err := s.hasher.Hash(ctx, pw)
	return h, hashErr(err)
}

// verify checks pw against a stored hash; an empty or malformed hash
// never matches, after the same work as a wrong password
// ([password.Hasher.Verify]).
func (s *Service) verify(ctx context.Context, pw, hash string) (ok, rehash bool, err error) {
	ok, rehash, err = s.hasher.Verify(ctx, pw, hash)
	if errors.Is(err, password.ErrMalformed) {
		return false, false, nil
	}
	return ok, rehash, hashErr(err)
}

func hashErr(err error) error {
	if errors.Is(err, password.ErrBusy) {
		return &Error{Code: CodeUnavailable, Message: "The server is busy; try again."}
	}
	return err
}
