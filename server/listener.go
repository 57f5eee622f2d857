package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/wardauth/ward/auth"
)

// hardMaxHeaderBytes is net/http's header limit in [NewHTTPServer]: above
// [DefaultMaxHeaderBytes], so that the server answers most oversized
// headers itself; [NewListener] turns net/http's own 431 beyond it into
// JSON.
const hardMaxHeaderBytes = 64 << 10

// tlsHandshakeTimeout bounds the TLS handshake of a connection accepted
// by [NewListener].
const tlsHandshakeTimeout = 10 * time.Second

// NewListener returns ln wrapped so that the answers net/http writes on a
// connection itself, before any handler runs, are Ward's JSON errors with
// the same status instead of plain text:
//
//	431 headers_too_large           headers beyond http.Server.MaxHeaderBytes
//	400 invalid_request             a malformed request line or header line, a bad Host
//	501 not_implemented             an unknown Transfer-Encoding
//	505 http_version_not_supported  an HTTP version other than 1.x
//	417 expectation_failed          an Expect header other than 100-continue
//
// net/http writes each of these in one write of a fixed form (its status
// line, then exactly "Content-Type: text/plain; charset=utf-8" and
// "Connection: close"; the 417 without a handler's Date), which no handler
// response has (net/http always adds Date to those), and the connection
// closes after it; the wrapper recognizes that form and sends the JSON
// answer in its place.
//
// With tlsConfig set, the listener also terminates TLS with it, offering
// HTTP/1.1 only: net/http serves HTTP/2 only on a *tls.Conn it can see
// itself, and then its answers could not be rewritten. The connections
// report their TLS state (the handshake completes first), so handlers see
// r.TLS. A plain-HTTP request to the TLS port is answered 400 in JSON, in
// plain text. [Server.Run] uses NewListener; callers that serve a [Server]
// with their own [http.Server] should too.
func NewListener(ln net.Listener, tlsConfig *tls.Config) net.Listener {
	if tlsConfig != nil {
		tlsConfig = tlsConfig.Clone()
		tlsConfig.NextProtos = []string{"http/1.1"}
	}
	return &jsonListener{Listener: ln, tls: tlsConfig}
}

type jsonListener struct {
	net.Listener
	tls *tls.Config
}

func (l *jsonListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if l.tls != nil {
		c = tls.Server(c, l.tls)
	}
	if tc, ok := c.(*tls.Conn); ok {
		return &jsonTLSConn{jsonConn: jsonConn{Conn: tc}, tc: tc}, nil
	}
	return &jsonConn{Conn: c}, nil
}

// jsonConn rewrites net/http's pre-handler answers (see [NewListener]).
type jsonConn struct {
	net.Conn
}

func (c *jsonConn) Write(b []byte) (int, error) {
	if resp := preHandlerAnswer(b); resp != nil {
		if _, err := c.Conn.Write(resp); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	return c.Conn.Write(b)
}

// CloseWrite half-closes the connection, as net/http does after a 431.
func (c *jsonConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// jsonTLSConn is a jsonConn over TLS. It is not a *tls.Conn, so net/http
// asks it for its state (connectionStater) and serves HTTP/1.1 on it.
type jsonTLSConn struct {
	jsonConn
	tc   *tls.Conn
	once sync.Once
}

// ConnectionState completes the handshake, then returns the TLS state.
// net/http calls it once, before reading the first request.
func (c *jsonTLSConn) ConnectionState() tls.ConnectionState {
	c.once.Do(func() {
		c.tc.SetDeadline(time.Now().Add(tlsHandshakeTimeout))
		err := c.tc.HandshakeContext(context.Background())
		c.tc.SetDeadline(time.Time{})
		var re tls.RecordHeaderError
		if errors.As(err, &re) && re.Conn != nil && looksLikeHTTP(re.RecordHeader) {
			re.Conn.Write(jsonAnswer(http.StatusBadRequest, auth.CodeInvalidRequest, "This port speaks HTTPS."))
			re.Conn.Close()
		}
	})
	return c.tc.ConnectionState()
}

// looksLikeHTTP reports whether the first five bytes of a TLS record
// header are those of a plain-HTTP request (as net/http tells it).
func looksLikeHTTP(hdr [5]byte) bool {
	switch string(hdr[:]) {
	case "GET /", "HEAD ", "POST ", "PUT /", "OPTIO", "DELET", "PATCH":
		return true
	}
	return false
}

// preHandlerHeaders follow the status line of every answer net/http
// writes itself on the connection (server.go, conn.serve).
const preHandlerHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

var preHandlerAnswers = map[string][]byte{
	"400": jsonAnswer(http.StatusBadRequest, auth.CodeInvalidRequest, "The request is malformed."),
	"417": jsonAnswer(http.StatusExpectationFailed, codeExpectationFailed, "The Expect header is not supported; only 100-continue is."),
	"431": jsonAnswer(http.StatusRequestHeaderFieldsTooLarge, codeHeadersTooLarge, "The request headers are too large."),
	"501": jsonAnswer(http.StatusNotImplemented, codeNotImplemented, "The request's Transfer-Encoding is not supported."),
	"505": jsonAnswer(http.StatusHTTPVersionNotSupported, codeHTTPVersion, "This HTTP version is not supported."),
}

// preHandlerAnswer returns the JSON answer to send instead of b, if b is
// one of net/http's own answers, or nil.
func preHandlerAnswer(b []byte) []byte {
	const prefix = "HTTP/1.1 "
	if len(b) < len(prefix)+4 || string(b[:len(prefix)]) != prefix || b[len(prefix)+3] != ' ' {
		return nil
	}
	status := string(b[len(prefix) : len(prefix)+3])
	if status == "417" {
		// sendExpectationFailed: a bodiless response through the
		// response writer, which no Ward handler writes.
		return preHandlerAnswers[status]
	}
	line := bytes.IndexByte(b, '\r')
	if line < 0 || !bytes.HasPrefix(b[line:], []byte(preHandlerHeaders)) {
		return nil
	}
	if a, ok := preHandlerAnswers[status]; ok {
		return a
	}
	if code, err := strconv.Atoi(status); err == nil && code >= 400 && code < 500 {
		// A status net/http may add later: the same status, in JSON.
		return jsonAnswer(code, auth.CodeInvalidRequest, "The request is malformed.")
	}
	return nil
}

// jsonAnswer returns a whole HTTP/1.1 response that closes the
// connection, with Ward's JSON error body.
func jsonAnswer(status int, code, msg string) []byte {
	body, _ := json.Marshal(errorBody{errorDetail{Code: code, Message: msg}})
	body = append(body, '\n')
	return fmt.Appendf(nil, "HTTP/1.1 %d %s\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: %d\r\n"+
		"Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n%s",
		status, http.StatusText(status), len(body), body)
}
