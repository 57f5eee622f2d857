package dpop

import (
	"strings"
	"sync"

	"github.com/wardauth/ward/jose/jwk"
)

// headerCacheSize bounds the number of proof headers a Verifier remembers,
// and maxCachedHeader the length of each (an RSA 4096 key's header is
// about 1 KiB): at most 2 MiB.
const (
	headerCacheSize = 1024
	maxCachedHeader = 2 << 10
)

// headerCache remembers the headers of the proofs a Verifier has accepted.
// A client signs every proof with one key, as RFC 9449 expects, so all its
// proofs have the same header ("typ", "alg" and "jwk") to the byte: the
// Verifier checks it, parses its key and takes its thumbprint once, and
// for the next proofs only compares the header segment, before it checks
// the signature with the remembered key. Everything a header decides is
// decided by its bytes and the Verifier's fixed configuration, so a hit
// decides the same. A header enters the cache only with a proof whose
// signature its key verified; when the cache is full, a random entry makes
// room. Its zero value is ready to use.
type headerCache struct {
	mu      sync.Mutex
	headers map[string]proofHeader // by base64url header segment
}

// proofHeader is what a checked proof header decides.
type proofHeader struct {
	alg        jwk.Algorithm
	key        *jwk.PublicKey
	thumbprint string
}

func (c *headerCache) get(segment string) (proofHeader, bool) {
	c.mu.Lock()
	h, ok := c.headers[segment]
	c.mu.Unlock()
	return h, ok
}

func (c *headerCache) put(segment string, h proofHeader) {
	if len(segment) > maxCachedHeader {
		return
	}
	segment = strings.Clone(segment) // not a slice of the proof
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.headers == nil {
		c.headers = make(map[string]proofHeader)
	}
	if len(c.headers) >= headerCacheSize {
		for old := range c.headers { // a random entry
			delete(c.headers, old)
			break
		}
	}
	c.headers[segment] = h
}
