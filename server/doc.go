// Package server is the HTTP API of Ward's token service ([auth.Service]):
// the OAuth 2.0 endpoints ([RFC 6749] token, [RFC 7009] revocation,
// [RFC 7662] introspection, [RFC 8414] metadata, the JWKS) and the app API
// under /v1/ (signup, login, refresh, logout, the caller's account and
// sessions).
//
// Build a [Server] with [New] from a service and a [Config]; it is an
// [http.Handler]. [Server.Run] serves it on a listener with the timeouts of
// [NewHTTPServer] and runs the service's background work (key rotation,
// cleanup) until its context ends:
//
//	srv := server.New(svc, server.Config{Logger: logger})
//	ln, err := net.Listen("tcp", "127.0.0.1:8080")
//	…
//	err = srv.Run(ctx, ln)
//
// # Errors
//
// App API errors are JSON, {"error":{"code":"…","message":"…"}}, with the
// stable codes of [auth.Error] mapped to HTTP statuses by one table
// (invalid_request 400, weak_password 422, invalid_credentials 401,
// unauthorized 401, invalid_token 401, session_ended 401, token_reused 401,
// forbidden 403, not_found 404, email_taken 409, conflict 409,
// rate_limited 429 and unavailable 503 with Retry-After, internal 500 with
// the message "Internal error"; the detail of an internal error is logged,
// never sent). The server adds body_too_large 413, unsupported_media_type
// 415 and method_not_allowed 405. The OAuth endpoints answer errors as
// [RFC 6749, Section 5.2] says, {"error":"…","error_description":"…"}.
//
// Endpoints that need an access token read it from the Authorization header
// only and answer with the challenges of [RFC 6750, Section 3].
//
// [RFC 6749]: https://www.rfc-editor.org/rfc/rfc6749
// [RFC 6749, Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
// [RFC 6750, Section 3]: https://www.rfc-editor.org/rfc/rfc6750#section-3
// [RFC 7009]: https://www.rfc-editor.org/rfc/rfc7009
// [RFC 7662]: https://www.rfc-editor.org/rfc/rfc7662
// [RFC 8414]: https://www.rfc-editor.org/rfc/rfc8414
package server
