package redis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Defaults of [Options].
const (
	// DefaultPrefix is the default of [Options].Prefix.
	DefaultPrefix = "ward:"
	// DefaultTimeout is the default of [Options].Timeout.
	DefaultTimeout = 500 * time.Millisecond
	// DefaultHealthInterval is the default of [Options].HealthInterval.
	DefaultHealthInterval = time.Second
)

// Options configure a [Client]. Every zero value selects the default.
type Options struct {
	// Prefix begins every key and channel name, so that several
	// deployments (or tests) can share one Redis. Zero: [DefaultPrefix].
	Prefix string
	// Timeout bounds each command, including the dial: a limiter check
	// on a login waits at most this long for an unreachable Redis before
	// falling back. Zero: [DefaultTimeout].
	Timeout time.Duration
	// HealthInterval is how often an unreachable Redis is tried again, and
	// how long a quiet subscription waits before it checks its
	// connection. Zero: [DefaultHealthInterval].
	HealthInterval time.Duration
	// Logger receives the transitions to and from the fallback. Nil:
	// discard.
	Logger *slog.Logger
}

// Client is a connection pool to one Redis, shared by the [Bus], the
// [Limiter] and the [ReplayCache] made from it, with the health they
// share: a failed command marks Redis down (each falls back), and a probe
// every [Options].HealthInterval marks it up again. Close it when done.
type Client struct {
	rdb      *goredis.Client
	prefix   string
	timeout  time.Duration
	interval time.Duration
	log      *slog.Logger

	mu      sync.Mutex
	down    error // nil while commands succeed
	probing bool
	closed  chan struct{}
	wg      sync.WaitGroup
}

// ErrBadURL is returned by [Open] for a URL it cannot use.
var ErrBadURL = errors.New("redis: malformed URL")

// Open returns a client of the Redis that url names (redis://, rediss://
// or unix://, as [goredis.ParseURL] reads them). It checks the connection
// once: if Redis does not answer, the client starts in its fallback and
// keeps trying; only a malformed URL is an error.
func Open(ctx context.Context, url string, opts Options) (*Client, error) {
	ro, err := goredis.ParseURL(url)
	if err != nil {
		// The URL may hold a password: do not echo it.
		return nil, fmt.Errorf("%w: %v", ErrBadURL, redactErr(err, url))
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.HealthInterval <= 0 {
		opts.HealthInterval = DefaultHealthInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ro.DialTimeout, ro.ReadTimeout, ro.WriteTimeout, ro.PoolTimeout = opts.Timeout, opts.Timeout, opts.Timeout, opts.Timeout
	ro.ContextTimeoutEnabled = true
	// Every caller has a fallback: a retry would only delay it.
	ro.MaxRetries, ro.DialerRetries = -1, 1
	c := &Client{
		rdb:      goredis.NewClient(ro),
		prefix:   opts.Prefix,
		timeout:  opts.Timeout,
		interval: opts.HealthInterval,
		log:      opts.Logger,
		closed:   make(chan struct{}),
	}
	pctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	if err := c.rdb.Ping(pctx).Err(); err != nil {
		c.failed(err)
	}
	return c, nil
}

func redactErr(err error, url string) string {
	return strings.ReplaceAll(err.Error(), url, "…")
}

// Close stops the health probe and closes the connections.
func (c *Client) Close() error {
	c.mu.Lock()
	select {
	case <-c.closed:
	default:
		close(c.closed)
	}
	c.mu.Unlock()
	c.wg.Wait()
	return c.rdb.Close()
}

// Degraded returns why Redis is taken to be unreachable (the last
// command's error), or nil.
func (c *Client) Degraded() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.down
}

func (c *Client) isDown() bool { return c.Degraded() != nil }

// failed marks Redis down after err and starts the probe that marks it up
// again.
func (c *Client) failed(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.down == nil {
		c.log.LogAttrs(context.Background(), slog.LevelWarn, "redis unreachable; falling back (per-instance limits, revocations from the store)",
			slog.String("error", err.Error()))
	}
	c.down = fmt.Errorf("redis: %w", err)
	select {
	case <-c.closed:
		return
	default:
	}
	if c.probing {
		return
	}
	c.probing = true
	c.wg.Add(1)
	go c.probe()
}

// probe pings Redis every interval until it answers, then marks it up.
func (c *Client) probe() {
	defer c.wg.Done()
	t := time.NewTicker(c.interval)
	defer t.Stop()
	for {
		select {
		case <-c.closed:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
		err := c.rdb.Ping(ctx).Err()
		cancel()
		c.mu.Lock()
		if err == nil {
			c.down, c.probing = nil, false
			c.mu.Unlock()
			c.log.LogAttrs(context.Background(), slog.LevelInfo, "redis reachable again; shared limits and fan-out resumed")
			return
		}
		c.down = fmt.Errorf("redis: %w", err)
		c.mu.Unlock()
	}
}

// check returns err, marking Redis down if it says Redis failed: any error
// but the caller's own context ending and a missing key.
func (c *Client) check(ctx context.Context, err error) error {
	if err == nil || errors.Is(err, goredis.Nil) || ctx.Err() != nil {
		return err
	}
	c.failed(err)
	return err
}

// withTimeout bounds one command.
func (c *Client) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.timeout)
}
