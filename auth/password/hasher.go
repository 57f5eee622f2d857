package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"runtime"
	"time"

	"golang.org/x/crypto/argon2"
)

// ErrBusy is returned when no hashing slot became free within
// [Options.MaxWait] or before the context ended.
var ErrBusy = errors.New("password: no hashing slot became free in time")

// Options configure a [Hasher]. Every zero value selects the default.
type Options struct {
	// MaxConcurrent caps the argon2id computations running at once (each
	// holds Params.Memory KiB); others wait. Zero or less: GOMAXPROCS,
	// since hashing is CPU-bound.
	MaxConcurrent int
	// MaxWait bounds how long a caller waits for a slot ([ErrBusy]
	// after it). Only the wait is bounded, not the hash. Zero or less:
	// as long as the context allows.
	MaxWait time.Duration
	// OnHash, if set, is called once for every argon2id computation, with
	// its parameters, holding the computation's slot just before it runs.
	// It is for tests (counting the work a call does) and metrics; it must
	// be safe for concurrent use.
	OnHash func(Params)
	// OnWait, if set, is told how long each caller waited for a hashing
	// slot (zero when one was free), also when the wait ended in
	// [ErrBusy]. It is for metrics; it must be safe for concurrent use.
	OnWait func(time.Duration)
}

// Hasher hashes and verifies passwords with argon2id, at most
// [Options.MaxConcurrent] at a time. It is safe for concurrent use.
type Hasher struct {
	params Params
	opts   Options
	slots  chan struct{}
	dummy  phc // a hash of a random password: what an unknown user is checked against
}

// New returns a Hasher of new hashes under params (zero fields: from
// [MinParams]; smaller values are refused).
func New(params Params, opts Options) (*Hasher, error) {
	params, err := params.WithDefaults()
	if err != nil {
		return nil, fmt.Errorf("password: %w", err)
	}
	if opts.MaxConcurrent <= 0 {
		opts.MaxConcurrent = runtime.GOMAXPROCS(0)
	}
	h := &Hasher{params: params, opts: opts, slots: make(chan struct{}, opts.MaxConcurrent)}
	h.dummy = h.compute(rand.Text(), params)
	return h, nil
}

// Params returns the parameters of new hashes.
func (h *Hasher) Params() Params { return h.params }

// acquire takes a hashing slot, waiting at most MaxWait (if set) and as
// long as ctx allows. Only the wait is bounded: ctx itself is not
// shortened, so the store writes that follow a hash are not cut short.
func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		h.waited(0)
		return nil
	default:
	}
	start := time.Now()
	defer func() { h.waited(time.Since(start)) }()
	var timeout <-chan time.Time
	if h.opts.MaxWait > 0 {
		t := time.NewTimer(h.opts.MaxWait)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
	case <-timeout:
	}
	return ErrBusy
}

func (h *Hasher) release() { <-h.slots }

// waited tells OnWait, if set, of a wait for a slot.
func (h *Hasher) waited(d time.Duration) {
	if h.opts.OnWait != nil {
		h.opts.OnWait(d)
	}
}

// key runs argon2id, telling OnHash first. The caller holds a slot.
func (h *Hasher) key(password string, salt []byte, p Params, n int) []byte {
	if h.opts.OnHash != nil {
		h.opts.OnHash(p)
	}
	return argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(n))
}

func (h *Hasher) compute(password string, p Params) phc {
	salt := make([]byte, saltLen)
	rand.Read(salt)
	return phc{params: p, salt: salt, hash: argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)}
}

// Hash returns the PHC string of password under [Hasher.Params] and a
// fresh random salt. It waits for a hashing slot ([ErrBusy]).
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	salt := make([]byte, saltLen)
	rand.Read(salt)
	return phc{params: h.params, salt: salt, hash: h.key(password, salt, h.params, keyLen)}.String(), nil
}

// Verify reports whether password matches the PHC string hash, comparing
// in constant time, and, if it does, whether the hash should be recomputed
// because its parameters differ from [Hasher.Params]. It waits for a
// hashing slot ([ErrBusy]).
//
// Every failed verification costs the same argon2id work as one hash
// under [Hasher.Params] ([Params.Work] block compressions), so that its
// timing tells nothing about the stored hash:
//
//   - an empty hash (an unknown user) or a malformed one is checked
//     against a dummy hash under the current parameters; it never
//     matches, and a malformed one is reported as [ErrMalformed];
//   - a hash under the current parameters costs exactly that;
//   - a hash under cheaper parameters (written before they were raised)
//     is checked under its own, and when the password is wrong a filler
//     hash makes up the difference: parameters with the current threads
//     and at most the current memory whose work is the current work minus
//     the hash's (exactly, whenever the difference divides into whole
//     segments, as it does for parameters that differ in memory or
//     passes by whole segments);
//   - a hash under costlier parameters (written before they were
//     lowered) costs its own, more than an unknown user: lowering the
//     parameters makes those accounts' failures slower until their
//     owners log in again and their hashes are recomputed.
func (h *Hasher) Verify(ctx context.Context, password, hash string) (ok, rehash bool, err error) {
	p, perr := parsePHC(hash)
	if perr != nil {
		p = h.dummy
	}
	if err := h.acquire(ctx); err != nil {
		return false, false, err
	}
	defer h.release()
	got := h.key(password, p.salt, p.params, len(p.hash))
	if subtle.ConstantTimeCompare(got, p.hash) != 1 || perr != nil {
		if f, ok := h.filler(p.params); ok {
			h.key(password, p.salt, f, keyLen)
		}
		if hash != "" && perr != nil {
			return false, false, ErrMalformed
		}
		return false, false, nil
	}
	return true, p.params != h.params || len(p.hash) != keyLen, nil
}

// filler returns the parameters of the hash that makes a failed check
// under q cost as much as one under the current parameters, or false if
// q costs at least as much.
func (h *Hasher) filler(q Params) (Params, bool) {
	want, have := h.params.Work(), q.Work()
	if have >= want {
		return Params{}, false
	}
	d := want - have
	lanes := uint64(h.params.Threads)
	seg := syncPoints * lanes
	for t := uint64(h.params.Time); t >= 1; t-- {
		if m := d / t; d%(seg*t) == 0 && m >= 2*seg && m <= uint64(h.params.Memory) {
			return Params{Memory: uint32(m), Time: uint32(t), Threads: h.params.Threads}, true
		}
	}
	// Round up to whole segments under the current passes.
	t := uint64(h.params.Time)
	m := (d + seg*t - 1) / (seg * t) * seg
	return Params{Memory: uint32(max(m, 2*seg)), Time: uint32(t), Threads: h.params.Threads}, true
}
