// Package ops is what the token debugger of package web does, in Go: it
// decodes, verifies, signs and decrypts tokens and makes and converts keys
// with Ward's own jose packages, so that the page's verdict is Ward's
// verdict (strict JSON, "crit", canonical base64url, key binding).
//
// The page runs it compiled to WebAssembly (see web/wasm): each function
// takes a request struct and returns a result struct, which web/wasm passes
// to and from JavaScript as JSON text. Nothing here touches the network: a
// JWKS that the user names by URL is fetched by the page and handed in as
// text. Keys are never taken from a token's header ("jku", "x5u", "jwk",
// "x5c").
package ops

import "errors"

// MaxInput bounds every text handed in: a token, a key, a JWK Set, header
// or claims.
const MaxInput = 1 << 20

// ErrInput is returned (wrapped) for input the user can fix: an unknown
// algorithm, a key of the wrong kind, a malformed header or claims.
var ErrInput = errors.New("ops: bad input")
