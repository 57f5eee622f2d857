package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are argon2id parameters ([RFC 9106]).
//
// [RFC 9106]: https://www.rfc-editor.org/rfc/rfc9106
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// MinArgon2Params is the smallest cost accepted: the OWASP minimum for
// argon2id (19 MiB, 2 passes, 1 thread).
var MinArgon2Params = Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1}

const (
	argon2SaltLen = 16
	argon2KeyLen  = 32
	maxArgon2Mem  = 1 << 20 // 1 GiB in KiB: a hash read from the store costs at most this
)

func (p Argon2Params) withDefaults() (Argon2Params, error) {
	if p.Memory == 0 {
		p.Memory = MinArgon2Params.Memory
	}
	if p.Time == 0 {
		p.Time = MinArgon2Params.Time
	}
	if p.Threads == 0 {
		p.Threads = MinArgon2Params.Threads
	}
	if p.Memory < MinArgon2Params.Memory || p.Time < MinArgon2Params.Time || p.Memory > maxArgon2Mem || p.Time > 64 {
		return p, fmt.Errorf("argon2id parameters m=%d,t=%d,p=%d are out of range (at least m=%d,t=%d,p=%d)",
			p.Memory, p.Time, p.Threads, MinArgon2Params.Memory, MinArgon2Params.Time, MinArgon2Params.Threads)
	}
	return p, nil
}

// String returns the PHC parameter string "m=…,t=…,p=…".
func (p Argon2Params) String() string {
	return fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Time, p.Threads)
}

var errBadHash = errors.New("auth: malformed argon2id hash")

var b64 = base64.RawStdEncoding.Strict() // PHC strings use unpadded, canonical standard base64

// phc is a parsed "$argon2id$v=19$m=…,t=…,p=…$salt$hash".
type phc struct {
	params Argon2Params
	salt   []byte
	hash   []byte
}

func parsePHC(s string) (phc, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v=19" {
		return phc{}, errBadHash
	}
	var p phc
	for kv := range strings.SplitSeq(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return phc{}, errBadHash
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return phc{}, errBadHash
		}
		switch k {
		case "m":
			p.params.Memory = uint32(n)
		case "t":
			p.params.Time = uint32(n)
		case "p":
			if n > 255 {
				return phc{}, errBadHash
			}
			p.params.Threads = uint8(n)
		default:
			return phc{}, errBadHash
		}
	}
	if p.params.String() != parts[3] { // canonical: m, t, p in order, no leading zeros
		return phc{}, errBadHash
	}
	if p.params.Memory == 0 || p.params.Time == 0 || p.params.Threads == 0 || p.params.Memory > maxArgon2Mem || p.params.Time > 64 {
		return phc{}, errBadHash
	}
	var err error
	// The decoder skips new lines: compare the re-encoding to reject them.
	if p.salt, err = b64.DecodeString(parts[4]); err != nil || len(p.salt) < 8 || b64.EncodeToString(p.salt) != parts[4] {
		return phc{}, errBadHash
	}
	if p.hash, err = b64.DecodeString(parts[5]); err != nil || len(p.hash) < 16 || len(p.hash) > 64 || b64.EncodeToString(p.hash) != parts[5] {
		return phc{}, errBadHash
	}
	return p, nil
}

func (p phc) String() string {
	return "$argon2id$v=19$" + p.params.String() + "$" + b64.EncodeToString(p.salt) + "$" + b64.EncodeToString(p.hash)
}

// Hasher hashes and verifies passwords with argon2id, at most a fixed
// number at a time so that a flood of logins cannot exhaust memory. It is
// safe for concurrent use.
type Hasher struct {
	params  Argon2Params
	slots   chan struct{}
	dummy   string        // a hash of a random password, for unknown users
	maxWait time.Duration // for a slot; 0: as long as the context allows
	hook    func()        // tests: called holding a slot, before hashing

	// waited is told how long each acquire waited for a slot
	// ([Observer.HashWaited]); nil: nobody.
	waited func(time.Duration)
}

// NewHasher returns a Hasher with the given parameters (zero fields: the
// minimum) running at most maxHashes hashes at once (zero or less:
// GOMAXPROCS).
func NewHasher(params Argon2Params, maxHashes int) (*Hasher, error) {
	if maxHashes <= 0 {
		maxHashes = runtime.GOMAXPROCS(0)
	}
	params, err := params.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	h := &Hasher{params: params, slots: make(chan struct{}, maxHashes)}
	h.dummy = h.compute(rand.Text(), params)
	return h, nil
}

// Params returns the parameters of new hashes.
func (h *Hasher) Params() Argon2Params { return h.params }

// acquire takes a hashing slot, waiting at most maxWait (if set) and as
// long as ctx allows. Only the wait is bounded: ctx itself is not
// shortened, so the store writes that follow a hash are not cut short.
func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		h.observeWait(0)
		h.runHook()
		return nil
	default:
	}
	start := time.Now()
	defer func() { h.observeWait(time.Since(start)) }()
	var timeout <-chan time.Time
	if h.maxWait > 0 {
		t := time.NewTimer(h.maxWait)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case h.slots <- struct{}{}:
		h.runHook()
		return nil
	case <-ctx.Done():
	case <-timeout:
	}
	return &Error{Code: CodeUnavailable, Message: "The server is busy; try again."}
}

func (h *Hasher) observeWait(d time.Duration) {
	if h.waited != nil {
		h.waited(d)
	}
}

func (h *Hasher) runHook() {
	if h.hook != nil {
		h.hook()
	}
}

func (h *Hasher) release() { <-h.slots }

func (h *Hasher) compute(password string, params Argon2Params) string {
	salt := make([]byte, argon2SaltLen)
	rand.Read(salt)
	return phc{params: params, salt: salt, hash: argon2.IDKey([]byte(password), salt, params.Time, params.Memory, params.Threads, argon2KeyLen)}.String()
}

// Hash returns the PHC string of password under the configured parameters
// and a fresh random salt. It waits for a hashing slot as long as ctx
// allows and, in a [Service], at most [Config.MaxHashWait]
// ([CodeUnavailable] otherwise).
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	return h.compute(password, h.params), nil
}

// Verify reports whether password matches the PHC string hash, comparing in
// constant time, and whether the hash should be recomputed because its
// parameters differ from the configured ones. An empty hash (an unknown
// user) is checked against a dummy hash, so that it takes as long as a
// wrong password, and never matches.
func (h *Hasher) Verify(ctx context.Context, password, hash string) (ok, rehash bool, err error) {
	unknown := hash == ""
	if unknown {
		hash = h.dummy
	}
	p, err := parsePHC(hash)
	if err != nil {
		return false, false, err
	}
	if err := h.acquire(ctx); err != nil {
		return false, false, err
	}
	got := argon2.IDKey([]byte(password), p.salt, p.params.Time, p.params.Memory, p.params.Threads, uint32(len(p.hash)))
	h.release()
	match := subtle.ConstantTimeCompare(got, p.hash) == 1 && !unknown
	return match, match && (p.params != h.params || len(p.hash) != argon2KeyLen), nil
}
