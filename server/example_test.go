package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/sqlite"
	"github.com/wardauth/ward/server"
)

// Example serves the API of a service over a SQLite file on loopback, as
// "ward serve" does.
func Example() {
	dir, err := os.MkdirTemp("", "ward-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := sqlite.Open(filepath.Join(dir, "ward.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	kek, err := auth.ParseKEK(auth.NewKEK()) // in production: from a file or the environment
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	svc, err := auth.NewService(ctx, db, kek, auth.Config{Issuer: "http://127.0.0.1:8080"})
	if err != nil {
		log.Fatal(err)
	}
	srv := server.New(svc, server.Config{})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- srv.Run(ctx, ln) }() // serves and rotates keys until ctx ends

	res, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		log.Fatal(err)
	}
	res.Body.Close()
	fmt.Println(res.Status)

	stop()
	fmt.Println(<-done)
	// Output:
	// 200 OK
	// <nil>
}

// NewListener makes even the answers net/http gives before any handler
// runs JSON: here, to a request with a malformed header line.
func ExampleNewListener() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	hs := server.NewHTTPServer(http.NotFoundHandler(), ln.Addr().String())
	go hs.Serve(server.NewListener(ln, nil)) // nil: no TLS
	defer hs.Close()

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	fmt.Println(res.Status, res.Header.Get("Content-Type"))
	fmt.Print(string(body))
	// Output:
	// 400 Bad Request application/json; charset=utf-8
	// {"error":{"code":"invalid_request","message":"The request is malformed."}}
}
