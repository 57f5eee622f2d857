package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wardauth/ward/web"
)

const debugUsage = `Usage: ward debug [--addr HOST:PORT]

Serves the token debugger alone, at http://HOST:PORT/debugger/ (the page
"ward serve" also serves at /debugger/). It decodes, verifies, signs and
decrypts tokens and makes and converts keys in the browser, with Ward's
own code compiled to WebAssembly: nothing typed or pasted into it is ever
sent anywhere, and it works offline once loaded.

Flags:
    --addr HOST:PORT  where to listen (default 127.0.0.1:8089; port 0
                      picks a free one). The page holds no secret, but
                      a loopback address keeps it to this machine
    -h, --help        show this help

The first line on standard output is the page's URL. The server stops on
interrupt (Ctrl-C) or SIGTERM.

Examples:
    $ ward debug
    $ ward debug --addr 127.0.0.1:0
`

func runDebug(e *env, args []string) int {
	fs := newFlagSet("debug")
	addr := fs.String("addr", "127.0.0.1:8089", "")
	pos, code := parseFlags(e, fs, args, debugUsage)
	if code >= 0 {
		return code
	}
	if len(pos) != 0 {
		return usageError(e, "debug", "debug takes no arguments")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serveDebugger(ctx, e, *addr); err != nil {
		return e.fail("debug", err)
	}
	return exitOK
}

// debuggerMux serves the debugger at [web.DebuggerPath] and sends "/" there.
func debuggerMux() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(web.DebuggerPath, web.Debugger())
	mux.Handle("GET /{$}", http.RedirectHandler(web.DebuggerPath, http.StatusFound))
	return mux
}

// serveDebugger serves the debugger on addr until ctx ends.
func serveDebugger(ctx context.Context, e *env, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return failf("%v", err)
	}
	srv := &http.Server{
		Handler:           debuggerMux(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
	fmt.Fprintf(e.stdout, "http://%s%s\n", ln.Addr(), web.DebuggerPath)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return failf("%v", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return failf("%v", err)
	}
	return nil
}
