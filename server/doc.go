// Package server is the HTTP API of Ward's token service ([auth.Service]):
// the OAuth 2.0 endpoints ([RFC 6749] token, [RFC 7009] revocation,
// [RFC 7662] introspection, [RFC 8414] metadata, the JWKS) and the app API
// under /v1/ (signup, login, refresh, logout, the caller's account and
// sessions), and the operational endpoints /healthz, /readyz and /metrics
// (Prometheus, [Metrics]; on unless [Config.DisableMetrics]).
//
// # Endpoints
//
//	POST   /oauth2/token                            refresh_token, client_credentials, password (if enabled)
//	POST   /oauth2/revoke                           RFC 7009, client-authenticated
//	POST   /oauth2/introspect                       RFC 7662, client-authenticated
//	GET    /.well-known/jwks.json                   public keys, cacheable for the JWKS cache lifetime
//	GET    /.well-known/oauth-authorization-server  RFC 8414 metadata
//	POST   /v1/auth/signup                          {email,password} → 201 user
//	GET    /v1/auth/csrf                            → {csrf_token} and the CSRF cookie (cookie mode)
//	POST   /v1/auth/login                           {email,password[,mode:"cookie"]} → 200 tokens (or cookies)
//	POST   /v1/auth/refresh                         {refresh_token}, or the refresh cookie → 200 tokens (or cookies)
//	POST   /v1/auth/logout                          Bearer or cookies; {scope:"session"|"all"|"others"} or no body → 204
//	GET    /v1/me                                   Bearer → user
//	POST   /v1/me/password                          Bearer; {current_password,new_password} → 204
//	GET    /v1/me/sessions                          Bearer → {"sessions":[…]}, the caller's marked "current"
//	DELETE /v1/me/sessions/{id}                     Bearer → 204
//	…      /v1/admin/…                              Bearer, admin role: users, clients, keys, audit (admin.go)
//	GET    /v1/revocations                          Basic, feed client → {"seq":N,"revocations":[…],"time":T} (feed.go)
//	GET    /v1/revocations/stream                   Basic, feed client; Last-Event-ID → text/event-stream (feed.go)
//	GET    /healthz, /readyz, /metrics
//
// Build a [Server] with [New] from a service and a [Config]; it is an
// [http.Handler]. [Server.Serve] is its lifecycle: it serves it on the
// [Listeners] (the API, and optionally the metrics apart) with the
// timeouts of [NewHTTPServer] and runs the service's background work (key
// rotation, revocation sync, cleanup) until its context ends, then shuts
// down gracefully. [Server.Run] is Serve with one listener:
//
//	metrics := server.NewMetrics()
//	svc, err := auth.NewService(ctx, store, kek, auth.Config{Issuer: issuer, Observer: metrics})
//	…
//	srv := server.New(svc, server.Config{Logger: logger}) // uses metrics, the service's Observer
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
// forbidden 403, insufficient_scope 403, not_found 404, email_taken 409, conflict 409,
// rate_limited 429 and unavailable 503 with Retry-After, internal 500 with
// the message "Internal error"; the detail of an internal error is logged,
// never sent). The server adds body_too_large 413, unsupported_media_type
// 415, method_not_allowed 405, csrf_failed 403 and headers_too_large 431.
// The OAuth endpoints answer errors as
// [RFC 6749, Section 5.2] says, {"error":"…","error_description":"…"}.
//
// The abuse limits of [auth.Limits] answer 429 with Retry-After (whole
// seconds, at least 1, from [auth.Error].RetryAfter) and the code
// rate_limited in both forms (at the OAuth endpoints an extension error
// value, [RFC 6749, Section 8.5]). The client address they count is the
// one described under Requests, so behind a reverse proxy set
// [Config.TrustedProxies].
//
// Endpoints that need an access token read it from the Authorization header
// or, without one, from the access cookie of cookie mode, and answer with the
// challenges of [RFC 6750, Section 3].
//
// Errors that net/http answers itself before a handler runs are JSON too
// when the server is served through [NewListener] (as [Server.Run] does):
// headers_too_large 431, invalid_request 400 for a malformed request line
// or header, not_implemented 501 for an unknown Transfer-Encoding,
// http_version_not_supported 505, expectation_failed 417. Headers larger
// than [Config.MaxHeaderBytes] get 431 headers_too_large from the server
// itself.
//
// # Cookie mode
//
// A browser app asks for cookie mode with "mode":"cookie" in the login body.
// The tokens then travel only in cookies that scripts cannot read, and the
// body holds expires_in and a CSRF token:
//
//	__Host-ward-access     the access token; Path=/, Max-Age the access token lifetime
//	__Secure-ward-refresh  the refresh token; Path=/v1/auth, so only refresh and
//	                       logout get it (__Host- would require Path=/)
//	__Host-ward-csrf       the CSRF token, for the double submit
//
// All are HttpOnly, Secure and SameSite=Strict, without Domain.
// [Config.InsecureLoopbackCookies] drops Secure (and so the prefixes) for
// plain-HTTP development on loopback. A refresh without refresh_token in the
// body that carries the refresh cookie is a cookie-mode refresh; a logout
// without Authorization that carries the cookies is a cookie-mode logout,
// which ends the session through the refresh cookie once the access cookie
// has expired, and clears the cookies.
//
// Every state-changing request authenticated by cookie, the cookie-mode
// login included, is checked against cross-site request forgery: the
// X-CSRF-Token header must equal the CSRF cookie and be a token whose HMAC
// binds it to the request's session (to no session for a login: a
// pre-session token from GET /v1/auth/csrf), Origin must be the server's
// own (the issuer's, or the request's scheme and Host) or one of
// [Config.CORSOrigins], and Sec-Fetch-Site, when present, same-origin or
// same-site. A request that fails gets 403 csrf_failed and changes nothing.
// See [auth.Service.CSRFToken] for the token.
//
// # Requests
//
// JSON bodies must be sent as application/json, at most
// [Config.MaxJSONBody] bytes, one object with no unknown, duplicate or
// differently cased members; form bodies at most [Config.MaxFormBody]
// bytes, with no repeated parameter. A refused request changes nothing.
// Every response carries X-Content-Type-Options, Referrer-Policy,
// X-Frame-Options and a Content-Security-Policy that allows nothing;
// responses under /v1/ and those that carry tokens also Cache-Control:
// no-store, and with TLS (or [Config.HSTS]) Strict-Transport-Security. The
// client address given to the audit log is the peer's, or with
// [Config.TrustedProxies] the right-most untrusted X-Forwarded-For entry.
// CORS is off unless [Config.CORSOrigins] lists origins, which may then
// send credentials.
//
// [RFC 6749]: https://www.rfc-editor.org/rfc/rfc6749
// [RFC 6749, Section 5.2]: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
// [RFC 6749, Section 8.5]: https://www.rfc-editor.org/rfc/rfc6749#section-8.5
// [RFC 6750, Section 3]: https://www.rfc-editor.org/rfc/rfc6750#section-3
// [RFC 7009]: https://www.rfc-editor.org/rfc/rfc7009
// [RFC 7662]: https://www.rfc-editor.org/rfc/rfc7662
// [RFC 8414]: https://www.rfc-editor.org/rfc/rfc8414
package server
