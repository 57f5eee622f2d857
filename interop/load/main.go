// Command load is a bounded load generator for a running Ward server
// (`ward serve`) on loopback. It measures, one mode after the other:
//
//   - refresh: the refresh_token grant at POST /oauth2/token; each worker
//     logs in once and then refreshes its own session, always with the
//     token of the previous rotation;
//   - refresh-app: the same through POST /v1/auth/refresh;
//   - client-credentials: the client_credentials grant at POST
//     /oauth2/token with HTTP Basic;
//   - login: POST /v1/auth/login for pre-created users (each request from
//     a new address in X-Forwarded-For), together with the
//     argon2id ceiling of this machine (hashes per second at the server's
//     cost with one goroutine per server core), measured in windows that
//     alternate with rounds of logins, and logins per second as a
//     percentage of it;
//   - login-flood: real users' logins (-real-workers, each from a new
//     address) alone and while -workers workers flood wrong passwords for
//     one account from one address (-flood-ip), in alternating phases:
//     the flood should be answered 429, and the real users' p99 should
//     not move.
//
// With -compare-url (a second server on the same store, as scripts/load.sh
// starts with --limits off), refresh, refresh-app and client-credentials
// alternate rounds between the two servers and print the ratios.
//
// For each mode it prints successful requests per second (total and per
// server core), the 50th and 99th percentile and maximum latencies, and
// the errors. Every loop is bounded in time (-duration) and in count
// (-max-requests); the program stops by itself. It refuses any target that
// is not a loopback address.
//
// scripts/load.sh builds ward, starts ward serve, creates the users and the
// client, and runs this program; see docs/server-benchmarks.md.
//
// Usage:
//
//	go run ./load -url http://127.0.0.1:PORT -users users.txt -password-file pw.txt \
//	    -client-file client.env [-modes refresh,client-credentials,login] \
//	    [-workers 16] [-duration 20s] [-server-cores 2]
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/password"
)

type options struct {
	base         *url.URL
	modes        []string
	workers      int
	duration     time.Duration
	warmup       time.Duration
	pause        time.Duration
	maxRequests  int64
	timeout      time.Duration
	serverCores  int
	users        []string
	password     string
	clientID     string
	clientSecret string
	ceiling      time.Duration
	ceilingMax   int64
	argon2       password.Params
	serverPID    int
	clkTck       int
	loginRounds  int
	// compare is a second server on the same store (scripts/load.sh:
	// ward serve --limits off); refresh and client-credentials then
	// alternate rounds between the two and report the ratio.
	compare      *url.URL
	label        string
	compareLabel string
	comparePID   int
	rounds       int
	realWorkers  int
	floodIP      string
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (*options, error) {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	o := &options{}
	rawURL := fs.String("url", "", "base URL of the server (loopback only)")
	modes := fs.String("modes", "refresh,client-credentials,login", "comma-separated: refresh, refresh-app, client-credentials, login, login-flood")
	compareURL := fs.String("compare-url", "", "a second server on the same store: refresh, refresh-app and client-credentials alternate -rounds rounds between -url and it, in the same run")
	fs.IntVar(&o.comparePID, "compare-pid", 0, "process ID of the -compare-url server, for its CPU time")
	fs.StringVar(&o.label, "label", "a", "name of -url in the output")
	fs.StringVar(&o.compareLabel, "compare-label", "b", "name of -compare-url in the output")
	fs.IntVar(&o.rounds, "rounds", 4, "rounds per server with -compare-url, and per phase in login-flood")
	fs.IntVar(&o.realWorkers, "real-workers", 4, "login-flood: workers logging in real users, each request from a new address (X-Forwarded-For 10.x.y.z)")
	fs.StringVar(&o.floodIP, "flood-ip", "198.51.100.66", "login-flood: the address (X-Forwarded-For) of the -workers that flood bad logins; the server must trust loopback as its proxy (ward serve --trusted-proxy 127.0.0.1)")
	fs.IntVar(&o.workers, "workers", 16, "concurrent workers (each with its own connection and, for refresh, its own session)")
	fs.DurationVar(&o.duration, "duration", 20*time.Second, "measured time per mode (at most 10m)")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured time before each mode's measurement")
	fs.DurationVar(&o.pause, "pause", 2*time.Second, "idle time between modes")
	fs.Int64Var(&o.maxRequests, "max-requests", 5_000_000, "at most this many requests per mode, warm-up included")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "per-request timeout")
	fs.IntVar(&o.serverCores, "server-cores", runtime.NumCPU(), "cores the server runs on: the per-core divisor and the number of hashing goroutines of the ceiling")
	usersFile := fs.String("users", "", "file with one user email per line (login and refresh)")
	passwordFile := fs.String("password-file", "", "file whose first line is the users' password")
	clientFile := fs.String("client-file", "", "output of `ward client add`: client_id=... and client_secret=... lines")
	fs.DurationVar(&o.ceiling, "ceiling", 10*time.Second, "argon2id ceiling measurement time, spread over -login-rounds+1 windows around the login rounds")
	fs.IntVar(&o.loginRounds, "login-rounds", 4, "login mode: alternate this many rounds of logins (-duration in all) with hashing windows")
	fs.Int64Var(&o.ceilingMax, "ceiling-max", 100_000, "at most this many hashes per ceiling measurement")
	fs.IntVar(&o.serverPID, "server-pid", 0, "process ID of the server on this machine: its CPU time during each measurement is read from /proc/PID/stat (Linux)")
	fs.IntVar(&o.clkTck, "clk-tck", 100, "clock ticks per second of /proc/PID/stat (getconf CLK_TCK)")
	m := fs.Uint("argon2-memory", 0, "argon2id memory in KiB of the server (0: Ward's default)")
	t := fs.Uint("argon2-time", 0, "argon2id passes of the server (0: Ward's default)")
	p := fs.Uint("argon2-threads", 0, "argon2id threads of the server (0: Ward's default)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() != 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var err error
	if o.base, err = loopbackURL(*rawURL); err != nil {
		return nil, err
	}
	if *compareURL != "" {
		if o.compare, err = loopbackURL(*compareURL); err != nil {
			return nil, fmt.Errorf("-compare-url: %w", err)
		}
	}
	if o.rounds < 1 || o.rounds > 100 || o.realWorkers < 1 || o.realWorkers > 1024 {
		return nil, errors.New("-rounds must be within 1 to 100 and -real-workers within 1 to 1024")
	}
	for _, md := range strings.Split(*modes, ",") {
		switch md = strings.TrimSpace(md); md {
		case "refresh", "refresh-app", "client-credentials", "login", "login-flood":
			o.modes = append(o.modes, md)
		case "":
		default:
			return nil, fmt.Errorf("unknown mode %q", md)
		}
	}
	switch {
	case o.workers < 1 || o.workers > 1024:
		return nil, errors.New("-workers must be within 1 to 1024")
	case o.duration <= 0 || o.duration > 10*time.Minute:
		return nil, errors.New("-duration must be within 0 to 10m")
	case o.warmup < 0 || o.warmup > time.Minute || o.pause < 0 || o.pause > time.Minute:
		return nil, errors.New("-warmup and -pause must be within 0 to 1m")
	case o.maxRequests < 1:
		return nil, errors.New("-max-requests must be positive")
	case o.serverCores < 1:
		return nil, errors.New("-server-cores must be positive")
	case o.serverPID < 0 || o.clkTck < 1:
		return nil, errors.New("-server-pid must not be negative and -clk-tck must be positive")
	case o.ceiling < 0 || o.ceiling > 5*time.Minute || o.ceilingMax < 1:
		return nil, errors.New("-ceiling must be within 0 to 5m and -ceiling-max positive")
	case o.loginRounds < 1 || o.loginRounds > 100:
		return nil, errors.New("-login-rounds must be within 1 to 100")
	}
	if *m > 1<<32-1 || *t > 1<<32-1 || *p > 255 {
		return nil, errors.New("argon2 parameters out of range")
	}
	o.argon2 = password.Params{Memory: uint32(*m), Time: uint32(*t), Threads: uint8(*p)}
	need := func(md string) bool { return slices.Contains(o.modes, md) }
	if need("login") || need("refresh") || need("refresh-app") || need("login-flood") {
		if o.users, err = readLines(*usersFile); err != nil {
			return nil, fmt.Errorf("-users: %w", err)
		}
		pw, err := readLines(*passwordFile)
		if err != nil {
			return nil, fmt.Errorf("-password-file: %w", err)
		}
		o.password = pw[0]
	}
	if need("client-credentials") {
		lines, err := readLines(*clientFile)
		if err != nil {
			return nil, fmt.Errorf("-client-file: %w", err)
		}
		for _, l := range lines {
			k, v, _ := strings.Cut(l, "=")
			switch k {
			case "client_id":
				o.clientID = v
			case "client_secret":
				o.clientSecret = v
			}
		}
		if o.clientID == "" || o.clientSecret == "" {
			return nil, errors.New("-client-file has no client_id and client_secret lines")
		}
	}
	return o, nil
}

// loopbackURL parses raw and refuses anything but http(s) to a loopback
// address: this program generates load and must never be pointed at
// another machine.
func loopbackURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("-url is required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("-url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("-url %q: not http(s)", raw)
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("-url %q: refusing a target that is not a loopback address (127.0.0.0/8, ::1, localhost)", raw)
	}
	u.Path, u.RawQuery, u.Fragment = strings.TrimSuffix(u.Path, "/"), "", ""
	return u, nil
}

func readLines(path string) ([]string, error) {
	if path == "" {
		return nil, errors.New("missing")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() && len(out) < 100_000 {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("empty file")
	}
	return out, sc.Err()
}

// result is one mode's measurement.
type result struct {
	mode   string
	ok     int
	errors int
	// errors that were answers with a 5xx status (the rest are
	// connection errors or other statuses)
	status5xx int
	elapsed   time.Duration
	lat       []time.Duration // successful requests, sorted
	firstErr  string
	// CPU time used during the measurement by the server (if -server-pid
	// is given; -1 otherwise) and by this program, and the wall time they
	// were measured over.
	serverCPU, selfCPU, cpuWall time.Duration
	// login only
	ceiling    float64 // hashes per second, serverCores goroutines
	ceilingCPU float64 // hashes per CPU-second of this process
	params     string
}

func (r *result) rps() float64 { return float64(r.ok) / r.elapsed.Seconds() }

func (r *result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[int(float64(len(r.lat)-1)*p)]
}

func run(o *options) error {
	client := &http.Client{
		Timeout: o.timeout,
		// Loopback only: a redirect could lead anywhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{
			Proxy:               nil, // loopback only: never through a proxy
			MaxIdleConns:        o.workers * 2,
			MaxIdleConnsPerHost: o.workers * 2,
			IdleConnTimeout:     time.Minute,
		},
	}
	fmt.Printf("# target %s, %d workers, %v per mode (+%v warm-up), server cores %d, load generator GOMAXPROCS %d, %s/%s\n",
		o.base, o.workers, o.duration, o.warmup, o.serverCores, runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH)
	var results []*result
	for i, md := range o.modes {
		if i > 0 {
			time.Sleep(o.pause)
		}
		var r *result
		var err error
		var rs []*result
		switch md {
		case "refresh", "refresh-app", "client-credentials":
			rs, err = runCompared(o, client, md)
		case "login":
			r, err = runLogin(o, client)
			rs = []*result{r}
		case "login-flood":
			rs, err = runLoginFlood(o, client)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", md, err)
		}
		for _, r := range rs {
			results = append(results, r)
			printResult(os.Stderr, o, r) // progress
		}
		printRatios(os.Stderr, rs)
	}
	printTable(os.Stdout, o, results)
	printRatios(os.Stdout, results)
	return nil
}

func printResult(w io.Writer, o *options, r *result) {
	fmt.Fprintf(w, "# %s: %d ok, %d errors (%d with a 5xx status) in %.1fs: %.0f/s (%.0f/s per server core), p50 %s, p99 %s, max %s\n",
		r.mode, r.ok, r.errors, r.status5xx, r.elapsed.Seconds(), r.rps(), r.rps()/float64(o.serverCores),
		ms(r.pct(0.50)), ms(r.pct(0.99)), ms(r.pct(1)))
	if r.serverCPU >= 0 {
		fmt.Fprintf(w, "#   server CPU %.2fs over %.2fs (%.0f%% of one core): %.0f requests per server CPU-second; load generator CPU %.2fs\n",
			r.serverCPU.Seconds(), r.cpuWall.Seconds(), 100*r.serverCPU.Seconds()/r.cpuWall.Seconds(), r.perCPUSecond(), r.selfCPU.Seconds())
	}
	if r.firstErr != "" {
		fmt.Fprintf(w, "#   first error: %s\n", r.firstErr)
	}
}

// perCPUSecond is the successful requests per second of server CPU time,
// or 0 if the server's CPU time is unknown.
func (r *result) perCPUSecond() float64 {
	if r.serverCPU <= 0 {
		return 0
	}
	// The requests measured span r.elapsed, the CPU time r.cpuWall: scale.
	return r.rps() * r.cpuWall.Seconds() / r.serverCPU.Seconds()
}

func printTable(w io.Writer, o *options, results []*result) {
	fmt.Fprintf(w, "%-19s %8s %7s %9s %11s %9s %9s %9s %9s %10s %s\n", "mode", "ok", "errors", "req/s", "req/s/core", "p50", "p99", "max", "srv-cpu", "req/cpu-s", "notes")
	for _, r := range results {
		note := ""
		if r.mode == "login" {
			note = fmt.Sprintf("argon2id %s ceiling %.1f hash/s (%d goroutines): logins at %.1f%% of it",
				r.params, r.ceiling, o.serverCores, 100*r.rps()/r.ceiling)
			if r.serverCPU > 0 && r.ceilingCPU > 0 {
				note += fmt.Sprintf("; per CPU-second %.1f logins vs %.1f hashes: %.1f%%",
					r.perCPUSecond(), r.ceilingCPU, 100*r.perCPUSecond()/r.ceilingCPU)
			}
		}
		if r.firstErr != "" {
			note += " first error: " + r.firstErr
		}
		srvCPU, perCPU := "-", "-"
		if r.serverCPU >= 0 {
			srvCPU = fmt.Sprintf("%.0f%%", 100*r.serverCPU.Seconds()/r.cpuWall.Seconds())
			perCPU = fmt.Sprintf("%.0f", r.perCPUSecond())
		}
		fmt.Fprintf(w, "%-19s %8d %7d %9.1f %11.1f %9s %9s %9s %9s %10s %s\n", r.mode, r.ok, r.errors, r.rps(),
			r.rps()/float64(o.serverCores), ms(r.pct(0.50)), ms(r.pct(0.99)), ms(r.pct(1)), srvCPU, perCPU, note)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

// worker does one request and reports whether it succeeded, with an error
// description if not.
type worker func(ctx context.Context) error

// drive runs one worker function per worker until the warm-up and the
// measurement time have passed or maxRequests requests were started,
// whichever comes first. It measures the requests that complete within the
// measurement window (after the warm-up, before the deadline), over the
// window's length: a steady-state throughput, without the ramp-up at the
// start or the drain at the end, which matter when requests take long
// (logins queue for a hashing slot).
func drive(o *options, mode string, workers []worker) *result {
	start := time.Now()
	measureFrom := start.Add(o.warmup)
	deadline := measureFrom.Add(o.duration)
	ctx, cancel := context.WithDeadline(context.Background(), deadline.Add(o.timeout))
	defer cancel()
	var issued atomic.Int64
	var mu sync.Mutex
	r := &result{mode: mode}
	var wg sync.WaitGroup
	// The CPU times at the start and the end of the window (or when every
	// worker stopped, if that is earlier).
	var cpu0, cpu1 cpuSnapshot
	stopped := make(chan struct{})
	cpuDone := make(chan struct{})
	go func() {
		defer close(cpuDone)
		select {
		case <-time.After(time.Until(measureFrom)):
		case <-stopped:
		}
		cpu0 = takeCPU(o)
		select {
		case <-time.After(time.Until(deadline)):
		case <-stopped:
		}
		cpu1 = takeCPU(o)
	}()
	for _, w := range workers {
		wg.Go(func() {
			var lat []time.Duration
			var errs, s5xx int
			var firstErr string
			for issued.Add(1) <= o.maxRequests {
				t0 := time.Now()
				if !t0.Before(deadline) {
					break
				}
				err := w(ctx)
				t1 := time.Now()
				if t1.Before(measureFrom) || t1.After(deadline) {
					continue
				}
				if err != nil {
					errs++
					var se *statusError
					if errors.As(err, &se) && se.code >= 500 {
						s5xx++
					}
					if firstErr == "" {
						firstErr = err.Error()
					}
				} else {
					lat = append(lat, t1.Sub(t0))
				}
			}
			mu.Lock()
			r.lat = append(r.lat, lat...)
			r.errors += errs
			r.status5xx += s5xx
			if r.firstErr == "" {
				r.firstErr = firstErr
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	end := time.Now()
	if end.After(deadline) {
		end = deadline
	}
	close(stopped)
	<-cpuDone
	r.serverCPU, r.selfCPU, r.cpuWall = cpu1.server-cpu0.server, cpu1.self-cpu0.self, cpu1.wall.Sub(cpu0.wall)
	if cpu0.server < 0 || cpu1.server < 0 {
		r.serverCPU = -1
	}
	if r.cpuWall <= 0 {
		r.cpuWall = time.Nanosecond
	}
	r.ok = len(r.lat)
	slices.Sort(r.lat)
	r.elapsed = end.Sub(measureFrom)
	if r.elapsed <= 0 {
		r.elapsed = time.Nanosecond
	}
	return r
}

// statusError is an answer with a status other than 200.
type statusError struct {
	u    string
	code int
	body []byte
}

func (e *statusError) Error() string { return fmt.Sprintf("%s: %d %.200s", e.u, e.code, e.body) }

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

// post sends a request and decodes a 200 token response.
func post(ctx context.Context, c *http.Client, u, contentType, body string, basic [2]string) (*tokenResponse, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", u, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	if basic[0] != "" {
		req.SetBasicAuth(url.QueryEscape(basic[0]), url.QueryEscape(basic[1]))
	}
	res, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, &statusError{u: u, code: res.StatusCode, body: raw}
	}
	var tr tokenResponse
	if err := json.Unmarshal(raw, &tr); err != nil || tr.AccessToken == "" {
		return nil, fmt.Errorf("%s: bad token response %.200s", u, raw)
	}
	return &tr, nil
}

func loginBody(email, password string) string {
	b, _ := json.Marshal(map[string]string{"email": email, "password": password})
	return string(b)
}

func login(ctx context.Context, o *options, c *http.Client, email string) (*tokenResponse, error) {
	return post(ctx, c, o.base.String()+"/v1/auth/login", "application/json", loginBody(email, o.password), [2]string{})
}

// runRefresh: each worker logs in once, then refreshes its own session with
// the rotated token each time. A failed refresh logs in again (the failure
// is counted).
func refreshWorkers(o *options, c *http.Client, base *url.URL, path string) ([]worker, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	u := base.String() + path
	o = withBase(o, base)
	workers := make([]worker, o.workers)
	for i := range workers {
		email := o.users[i%len(o.users)]
		tr, err := login(ctx, o, c, email)
		if err != nil {
			return nil, fmt.Errorf("logging in %s: %w", email, err)
		}
		rt := tr.RefreshToken
		workers[i] = func(ctx context.Context) error {
			var body, ct string
			if path == "/oauth2/token" {
				ct, body = "application/x-www-form-urlencoded", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {auth.DefaultAppClientID}}.Encode()
			} else {
				ct, body = "application/json", `{"refresh_token":"`+rt+`"}`
			}
			tr, err := post(ctx, c, u, ct, body, [2]string{})
			if err == nil && tr.RefreshToken == "" {
				err = errors.New("no refresh token in the response")
			}
			if err != nil {
				if tr, lerr := login(ctx, o, c, email); lerr == nil {
					rt = tr.RefreshToken
				}
				return err
			}
			rt = tr.RefreshToken
			return nil
		}
	}
	return workers, nil
}

func clientCredentialsWorkers(o *options, c *http.Client, base *url.URL) []worker {
	u := base.String() + "/oauth2/token"
	body := url.Values{"grant_type": {"client_credentials"}}.Encode()
	creds := [2]string{o.clientID, o.clientSecret}
	workers := make([]worker, o.workers)
	for i := range workers {
		workers[i] = func(ctx context.Context) error {
			_, err := post(ctx, c, u, "application/x-www-form-urlencoded", body, creds)
			return err
		}
	}
	return workers
}

// withBase returns a copy of o aimed at base.
func withBase(o *options, base *url.URL) *options {
	c := *o
	c.base = base
	return &c
}

// runCompared measures a grant on -url and, with -compare-url, on the
// other server too, in -rounds alternating rounds of -duration/rounds
// each (a, b, b, a, a, b, …), so that both see the same machine.
func runCompared(o *options, c *http.Client, mode string) ([]*result, error) {
	build := func(base *url.URL) ([]worker, error) {
		switch mode {
		case "refresh":
			return refreshWorkers(o, c, base, "/oauth2/token")
		case "refresh-app":
			return refreshWorkers(o, c, base, "/v1/auth/refresh")
		default:
			return clientCredentialsWorkers(o, c, base), nil
		}
	}
	wa, err := build(o.base)
	if err != nil {
		return nil, err
	}
	if o.compare == nil {
		return []*result{drive(o, mode, wa)}, nil
	}
	wb, err := build(o.compare)
	if err != nil {
		return nil, err
	}
	sub := *o
	sub.duration = o.duration / time.Duration(o.rounds)
	sub.warmup = min(o.warmup, time.Second)
	subB := sub
	subB.serverPID = o.comparePID
	a := &result{mode: mode + " [" + o.label + "]"}
	b := &result{mode: mode + " [" + o.compareLabel + "]"}
	type target struct {
		o       *options
		workers []worker
		total   *result
	}
	for i := range o.rounds {
		// Alternate which goes first, so that neither always follows the
		// other.
		order := []target{{&sub, wa, a}, {&subB, wb, b}}
		if i%2 == 1 {
			order[0], order[1] = order[1], order[0]
		}
		for _, x := range order {
			x.total.merge(drive(x.o, mode, x.workers))
			time.Sleep(200 * time.Millisecond)
		}
	}
	a.finish()
	b.finish()
	return []*result{a, b}, nil
}

// merge adds round r to the total t.
func (t *result) merge(r *result) {
	t.lat = append(t.lat, r.lat...)
	t.errors += r.errors
	t.status5xx += r.status5xx
	if t.firstErr == "" {
		t.firstErr = r.firstErr
	}
	t.elapsed += r.elapsed
	if r.serverCPU < 0 || t.serverCPU < 0 {
		t.serverCPU = -1
	} else {
		t.serverCPU += r.serverCPU
	}
	t.selfCPU += r.selfCPU
	t.cpuWall += r.cpuWall
}

func (t *result) finish() {
	slices.Sort(t.lat)
	t.ok = len(t.lat)
	if t.cpuWall <= 0 {
		t.cpuWall = time.Nanosecond
	}
	if t.elapsed <= 0 {
		t.elapsed = time.Nanosecond
	}
}

// printRatios prints, for each pair of results of one mode ("mode [a]",
// "mode [b]"), the throughput and p99 of the first relative to the
// second.
func printRatios(w io.Writer, rs []*result) {
	for i, a := range rs {
		for _, b := range rs[i+1:] {
			ma, _, oka := strings.Cut(a.mode, " [")
			mb, _, okb := strings.Cut(b.mode, " [")
			if !oka || !okb || ma != mb {
				continue
			}
			fmt.Fprintf(w, "# %s: %s vs %s: throughput ratio %.3f, p99 ratio %.2f\n", ma, a.mode, b.mode, a.rps()/b.rps(), float64(a.pct(0.99))/float64(b.pct(0.99)))
		}
	}
}

// runLoginFlood measures the logins of real users (-real-workers, each
// request from a new address in X-Forwarded-For, with the right password)
// alone and during a flood: -workers workers sending wrong passwords for
// the first user from one address (-flood-ip) as fast as they can. The
// two phases alternate, -rounds each. The flood's requests answered 429
// count as ok ("[flood 429]"); any other answer (a 401 is a password
// that was checked) is an error. The server must trust loopback as its
// proxy (ward serve --trusted-proxy 127.0.0.1).
func runLoginFlood(o *options, c *http.Client) ([]*result, error) {
	u := o.base.String() + "/v1/auth/login"
	var next atomic.Uint32
	users := make([]worker, o.realWorkers)
	for i := range users {
		body := loginBody(o.users[i%len(o.users)], o.password)
		users[i] = func(ctx context.Context) error {
			n := next.Add(1)
			ip := fmt.Sprintf("10.%d.%d.%d", byte(n>>16), byte(n>>8), byte(n))
			status, raw, err := postFrom(ctx, c, u, body, ip)
			if err == nil && status != http.StatusOK {
				err = fmt.Errorf("real login: %d %.200s", status, raw)
			}
			return err
		}
	}
	bad := loginBody(o.users[0], "Wrong-"+o.password)
	flood := make([]worker, o.workers)
	for i := range flood {
		flood[i] = func(ctx context.Context) error {
			status, raw, err := postFrom(ctx, c, u, bad, o.floodIP)
			if err == nil && status != http.StatusTooManyRequests {
				err = fmt.Errorf("flood login: %d %.200s", status, raw)
			}
			return err
		}
	}
	sub := *o
	sub.duration = o.duration / time.Duration(o.rounds)
	sub.warmup = min(o.warmup, time.Second)
	alone := &result{mode: "login-real [alone]"}
	loaded := &result{mode: "login-real [flood]"}
	flooding := &result{mode: "login-flood [429]"}
	for range o.rounds {
		alone.merge(drive(&sub, alone.mode, users))
		time.Sleep(200 * time.Millisecond)
		var wg sync.WaitGroup
		var fr *result
		wg.Go(func() { fr = drive(&sub, flooding.mode, flood) })
		loaded.merge(drive(&sub, loaded.mode, users))
		wg.Wait()
		flooding.merge(fr)
		time.Sleep(200 * time.Millisecond)
	}
	for _, r := range []*result{loaded, alone, flooding} {
		r.finish()
	}
	return []*result{loaded, alone, flooding}, nil
}

// postFrom posts a JSON body as if from ip (X-Forwarded-For) and returns
// the status and body.
func postFrom(ctx context.Context, c *http.Client, u, body, ip string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", u, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", ip)
	res, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	raw, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	return res.StatusCode, raw, err
}

// runLogin measures logins and the argon2id ceiling interleaved: rounds
// of hashing alone, then logins, ending with hashing, so that a change in
// the machine's speed during the run (other tenants, frequency) weighs on
// both figures alike.
func runLogin(o *options, c *http.Client) (*result, error) {
	hasher, err := password.New(o.argon2, password.Options{MaxConcurrent: o.serverCores})
	if err != nil {
		return nil, err
	}
	u := o.base.String() + "/v1/auth/login"
	workers := make([]worker, o.workers)
	// Each login comes from a new address (X-Forwarded-For; the server
	// trusts loopback as its proxy), as real users' do: one address
	// logging in as fast as it can is what the abuse limits refuse.
	var next atomic.Uint32
	for i := range workers {
		body := loginBody(o.users[i%len(o.users)], o.password)
		workers[i] = func(ctx context.Context) error {
			n := next.Add(1)
			status, raw, err := postFrom(ctx, c, u, body, fmt.Sprintf("10.%d.%d.%d", byte(n>>16), byte(n>>8), byte(n)))
			if err == nil && status != http.StatusOK {
				err = fmt.Errorf("%s: %d %.200s", u, status, raw)
			}
			return err
		}
	}
	rounds := o.loginRounds
	sub := *o
	sub.duration = o.duration / time.Duration(rounds)
	sub.warmup = min(o.warmup, time.Second)
	window := o.ceiling / time.Duration(rounds+1)
	var hashes ceilingSample
	total := &result{mode: "login"}
	var okTime time.Duration
	for i := range rounds + 1 {
		if i > 0 {
			time.Sleep(200 * time.Millisecond)
		}
		h := hashCeiling(o, hasher, window)
		hashes.n += h.n
		hashes.wall += h.wall
		hashes.cpu += h.cpu
		fmt.Fprintf(os.Stderr, "#   round %d: argon2id %.1f hash/s (%.1f per CPU-second)", i+1, h.perSecond(), h.perCPUSecond())
		if i == rounds {
			fmt.Fprintln(os.Stderr)
			break
		}
		time.Sleep(200 * time.Millisecond)
		r := drive(&sub, "login", workers)
		fmt.Fprintf(os.Stderr, ", then %.1f logins/s\n", r.rps())
		total.lat = append(total.lat, r.lat...)
		total.errors += r.errors
		total.status5xx += r.status5xx
		if total.firstErr == "" {
			total.firstErr = r.firstErr
		}
		okTime += r.elapsed
		if r.serverCPU < 0 || total.serverCPU < 0 {
			total.serverCPU = -1
		} else {
			total.serverCPU += r.serverCPU
		}
		total.selfCPU += r.selfCPU
		total.cpuWall += r.cpuWall
	}
	slices.Sort(total.lat)
	total.ok = len(total.lat)
	total.elapsed = okTime
	total.ceiling = hashes.perSecond()
	total.ceilingCPU = hashes.perCPUSecond()
	total.params = hasher.Params().String()
	return total, nil
}

// ceilingSample is a count of hashes and the wall and CPU time they took.
type ceilingSample struct {
	n         int64
	wall, cpu time.Duration
}

func (c ceilingSample) perSecond() float64 { return float64(c.n) / c.wall.Seconds() }

func (c ceilingSample) perCPUSecond() float64 {
	if c.cpu <= 0 {
		return 0
	}
	return float64(c.n) / c.cpu.Seconds()
}

// hashCeiling has serverCores goroutines hash for d (and at most
// ceilingMax hashes) and returns how many hashes they made, in what wall
// time and with how much of this process's CPU time.
func hashCeiling(o *options, h *password.Hasher, d time.Duration) ceilingSample {
	if d <= 0 {
		d = time.Second
	}
	ctx := context.Background()
	var n atomic.Int64
	cpu0 := selfCPU()
	t0 := time.Now()
	deadline := t0.Add(d)
	var wg sync.WaitGroup
	for range o.serverCores {
		wg.Go(func() {
			for time.Now().Before(deadline) && n.Add(1) <= o.ceilingMax {
				if _, err := h.Hash(ctx, "load-generator-password"); err != nil {
					panic(err)
				}
			}
		})
	}
	wg.Wait()
	// Every goroutine finishes its last hash after the deadline: count
	// every hash, over the time they all took.
	return ceilingSample{n: min(n.Load(), o.ceilingMax), wall: time.Since(t0), cpu: selfCPU() - cpu0}
}

type cpuSnapshot struct {
	wall         time.Time
	server, self time.Duration // server: -1 if unknown
}

// takeCPU reads the CPU time (user + system) of the server, from
// /proc/PID/stat, and of this process.
func takeCPU(o *options) cpuSnapshot {
	s := cpuSnapshot{wall: time.Now(), server: -1, self: selfCPU()}
	if o.serverPID == 0 {
		return s
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", o.serverPID))
	if err != nil {
		return s
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// the fields after it start after the last ')'.
	i := strings.LastIndexByte(string(raw), ')')
	if i < 0 {
		return s
	}
	f := strings.Fields(string(raw[i+1:]))
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return s
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return s
	}
	s.server = time.Duration(ut+st) * time.Second / time.Duration(o.clkTck)
	return s
}
