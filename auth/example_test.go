package auth_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/sqlite"
	"github.com/wardauth/ward/jose/jwt"
)

// This example runs the whole life of a session: sign up, log in, verify
// the access token, refresh, log out.
func Example() {
	dir, _ := os.MkdirTemp("", "ward-example")
	defer os.RemoveAll(dir)
	store, err := sqlite.Open(filepath.Join(dir, "ward.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	kek, _ := auth.ParseKEK(auth.NewKEK()) // keep it apart from the database
	ctx := context.Background()
	svc, err := auth.NewService(ctx, store, kek, auth.Config{Issuer: "https://auth.example.com"})
	if err != nil {
		log.Fatal(err)
	}
	meta := auth.RequestMeta{IP: "192.0.2.1", UserAgent: "example"}

	if _, err := svc.Signup(ctx, "ann@example.com", "password123", meta); auth.ErrorCode(err) == auth.CodeWeakPassword {
		fmt.Println("refused:", auth.ErrorMessage(err))
	}
	if _, err := svc.Signup(ctx, "ann@example.com", "correct horse battery staple", meta); err != nil {
		log.Fatal(err)
	}
	pair, err := svc.Login(ctx, "ann@example.com", "correct horse battery staple", meta)
	if err != nil {
		log.Fatal(err)
	}
	claims, err := svc.Authenticate(ctx, pair.AccessToken)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("session:", claims.SessionID == pair.SessionID)

	next, err := svc.Refresh(ctx, pair.RefreshToken, meta)
	if err != nil {
		log.Fatal(err)
	}
	if err := svc.Logout(ctx, claims, auth.LogoutSession, meta); err != nil {
		log.Fatal(err)
	}
	_, err = svc.Authenticate(ctx, next.AccessToken)
	fmt.Println("after logout:", auth.ErrorCode(err), errors.Is(err, jwt.ErrRevoked))
	_, err = svc.Refresh(ctx, next.RefreshToken, meta)
	fmt.Println("refresh after logout:", auth.ErrorCode(err))
	// Output:
	// refused: The password is one of the most common passwords.
	// session: true
	// after logout: unauthorized true
	// refresh after logout: session_ended
}

// A CSRF token for cookie mode is bound to one session (or, for a login
// form, to none); the server checks it with CheckCSRFToken.
func ExampleService_CSRFToken() {
	dir, _ := os.MkdirTemp("", "ward-example")
	defer os.RemoveAll(dir)
	store, err := sqlite.Open(filepath.Join(dir, "ward.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	kek, _ := auth.ParseKEK(auth.NewKEK())
	svc, err := auth.NewService(context.Background(), store, kek, auth.Config{Issuer: "https://auth.example.com"})
	if err != nil {
		log.Fatal(err)
	}
	const session, other = "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"
	tok, err := svc.CSRFToken(session)
	if err != nil {
		log.Fatal(err)
	}
	pre, _ := svc.CSRFToken("") // for the login form
	fmt.Println("its session:", svc.CheckCSRFToken(session, tok))
	fmt.Println("another session:", svc.CheckCSRFToken(other, tok))
	fmt.Println("as a pre-session token:", svc.CheckCSRFToken("", tok))
	fmt.Println("pre-session:", svc.CheckCSRFToken("", pre))
	// Output:
	// its session: true
	// another session: false
	// as a pre-session token: false
	// pre-session: true
}
