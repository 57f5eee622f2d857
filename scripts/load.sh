#!/usr/bin/env bash
# Load test of ward serve on loopback (issue 3, "Speed"; results in
# docs/server-benchmarks.md).
#
# Builds ward and the load generator (interop/load), starts
# `ward serve --addr 127.0.0.1:0` on a fresh data directory, creates USERS
# users with `ward user add` and one client with `ward client add`, then
# runs the load generator: the refresh_token grant, the client_credentials
# grant and password logins (with the argon2id ceiling measured in the same
# run), DURATION each. It prints a table and stops the server on exit,
# whatever happens. It needs nothing but Go (and taskset for PIN=1).
#
# Environment (all optional):
#   DURATION=20s      measured time per mode
#   WARMUP=2s         unmeasured time before each mode
#   WORKERS=16        concurrent client workers
#   USERS=16          users created (refresh: one session per worker)
#   MODES=refresh,client-credentials,login   (also: refresh-app, login-flood)
#   COMPARE_LIMITS=1  1: a second server with COMPARE_FLAGS (see above)
#   COMPARE_FLAGS="--limits off"  what the second server turns off, e.g.
#                     "--limits off --no-metrics" for limits and metrics
#   ROUNDS=4          alternating rounds with COMPARE_LIMITS=1, and per
#                     phase of login-flood
#   PIN=0             1: the server on CPU 0 with GOMAXPROCS=1 and the load
#                     generator on the other CPUs, so that req/s/core is
#                     the server's own core; 0: both share every CPU and
#                     req/s/core is the total over all CPUs
#   LOG_LEVEL=warn    ward serve --log-level (info logs every request)
#   SERVE_FLAGS=      more flags for ward serve
#   WARD_BIN=         a built ward binary to measure (default: go build
#                     ./cmd/ward), e.g. of an older commit for a before
#                     and after
#   KEEP=0            1: keep the temporary directory (data, logs)
#   DB=               a postgres:// URL: the servers use a fresh schema
#                     there (ward_load_<random>, dropped on exit) and one
#                     key-encryption key; COMPARE_LIMITS is then 0
#   INSTANCES=1       with DB: how many ward serve processes; more than
#                     one are put behind Debian's nginx, round robin
#   KILL_AFTER=       with INSTANCES>1: kill -9 the first instance this
#                     long (sleep(1) syntax, e.g. 8) after the load starts
#   INSTANCE_PROCS=   with DB: GOMAXPROCS of each ward serve process, as a
#                     container's CPU limit sets it (Go reads the cgroup
#                     limit); unset: each process uses every core
#
# With DB, the servers' CPU is not measured (req/cpu-s is blank), and
# PostgreSQL shares the machine's cores with them and the load generator.
# nginx resends a request to the next instance when it could not connect
# (proxy_next_upstream error). A POST that an instance may have received
# is resent only on /oauth2/token (non_idempotent), where a resend is
# safe: client_credentials writes nothing, a refresh_token grant resent
# within the refresh grace (default 10 s) gets the token the lost answer
# carried, without a second rotation, and a resent password grant leaves
# at most one unused session that expires. Any other POST that reached a
# killed instance fails at the client as a 502 and is counted among the
# 5xx. With --refresh-grace 0s, resending a refresh would end the
# session as a reuse: do not use non_idempotent then.
#
# Usage: scripts/load.sh            (from anywhere in the repository)
set -euo pipefail

cd "$(dirname "$0")/.."
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-2s}
WORKERS=${WORKERS:-16}
USERS=${USERS:-16}
MODES=${MODES:-refresh,client-credentials,login}
PIN=${PIN:-0}
LOG_LEVEL=${LOG_LEVEL:-warn}
SERVE_FLAGS=${SERVE_FLAGS:-}
KEEP=${KEEP:-0}
COMPARE_LIMITS=${COMPARE_LIMITS:-1}
COMPARE_FLAGS=${COMPARE_FLAGS:---limits off}
ROUNDS=${ROUNDS:-4}
DB=${DB:-}
INSTANCES=${INSTANCES:-1}
KILL_AFTER=${KILL_AFTER:-}
if [ -n "$DB" ]; then
	COMPARE_LIMITS=0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ward-load.XXXXXX")
server_pid=""
off_pid=""
pids=""
schema=""
cleanup() {
	status=$?
	if [ -f "$tmp/nginx.pid" ]; then
		kill -TERM "$(cat "$tmp/nginx.pid")" 2>/dev/null || true
	fi
	for pid in $server_pid $off_pid $pids; do
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null || true
			for _ in $(seq 1 100); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
			kill -KILL "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
		fi
	done
	if [ -n "$schema" ]; then
		psql -q "$DB" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || echo "# could not drop schema $schema" >&2
	fi
	if [ "$KEEP" = 1 ]; then
		echo "# kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ncpu=$(getconf _NPROCESSORS_ONLN)
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) commit $(git rev-parse --short HEAD 2>/dev/null || echo "?")$(git diff --quiet HEAD -- . 2>/dev/null || echo "+changes"), $(uname -sm), $ncpu CPUs ($(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //' || true)), $(go version | cut -d' ' -f3)"
echo "# load before: $(cat /proc/loadavg 2>/dev/null || uptime)"

echo "# building ward and the load generator" >&2
if [ -n "${WARD_BIN:-}" ]; then
	cp "$WARD_BIN" "$tmp/ward"
else
	go build -o "$tmp/ward" ./cmd/ward
fi
(cd interop && go build -o "$tmp/load" ./load)

server_prefix=()
load_prefix=()
server_cores=$ncpu
if [ "$PIN" = 1 ]; then
	if [ "$ncpu" -lt 2 ]; then
		echo "PIN=1 needs at least 2 CPUs" >&2
		exit 2
	fi
	server_prefix=(taskset -c 0 env GOMAXPROCS=1)
	load_prefix=(taskset -c "1-$((ncpu - 1))")
	server_cores=1
fi

# wait_url LOG PID: prints the URL the server logging to LOG says it
# listens at.
wait_url() {
	local u=""
	for _ in $(seq 1 300); do
		u=$(sed -n 's/^ward: listening on \(http[^ ]*\)$/\1/p' "$1" | head -n1)
		[ -n "$u" ] && break
		if ! kill -0 "$2" 2>/dev/null; then
			cat "$1" >&2
			echo "ward serve exited" >&2
			return 1
		fi
		sleep 0.1
	done
	if [ -z "$u" ]; then
		cat "$1" >&2
		echo "ward serve did not say where it listens within 30 s" >&2
		return 1
	fi
	echo "$u"
}

# start_pg N: starts N ward serve processes on the schema, prints their
# URLs one a line (in $tmp/instances) and their pids (in $pids).
start_pg() {
	local i u
	: >"$tmp/instances"
	for i in $(seq 1 "$1"); do
		# shellcheck disable=SC2086
		WARD_DB=$dsn WARD_KEK_FILE=$tmp/kek env ${INSTANCE_PROCS:+GOMAXPROCS=$INSTANCE_PROCS} "${server_prefix[@]}" "$tmp/ward" serve --addr 127.0.0.1:0 \
			--data-dir "$tmp/data$i" --log-level "$LOG_LEVEL" --trusted-proxy 127.0.0.1 $SERVE_FLAGS 2>"$tmp/serve$i.log" &
		echo $! >"$tmp/ward$i.pid"
		pids="$pids $!"
	done
	for i in $(seq 1 "$1"); do
		u=$(wait_url "$tmp/serve$i.log" "$(cat "$tmp/ward$i.pid")")
		echo "$u" >>"$tmp/instances"
	done
}

# start_nginx ADDR: round robin over $tmp/instances on ADDR.
start_nginx() {
	{
		echo "daemon on; worker_processes 1; pid $tmp/nginx.pid; error_log $tmp/nginx-error.log warn;"
		[ "$(id -u)" != 0 ] || echo "user root root;"
		echo "events { worker_connections 4096; }"
		echo "http { access_log off;"
		for p in client_body proxy fastcgi uwsgi scgi; do echo "  ${p}_temp_path $tmp/nginx-$p;"; done
		echo "  upstream ward {"
		while read -r u; do echo "    server ${u#http://} max_fails=1 fail_timeout=5s;"; done <"$tmp/instances"
		echo "    keepalive 64;"
		echo "  }"
		echo "  proxy_http_version 1.1; proxy_set_header Connection \"\";"
		echo "  proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;"
		echo "  proxy_connect_timeout 1s;"
		echo "  server { listen $1;"
		echo "    location / { proxy_pass http://ward; proxy_next_upstream error; }"
		echo "    location = /oauth2/token { proxy_pass http://ward; proxy_next_upstream error non_idempotent; }"
		echo "  }"
		echo "}"
	} >"$tmp/nginx.conf"
	nginx -p "$tmp/" -c "$tmp/nginx.conf" -e "$tmp/nginx-error.log"
}

admin=(--data-dir "$tmp/data")
if [ -n "$DB" ]; then
	schema=ward_load_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
	psql -q -v ON_ERROR_STOP=1 "$DB" -c "CREATE SCHEMA $schema" >/dev/null
	case $DB in *\?*) dsn="$DB&search_path=$schema" ;; *) dsn="$DB?search_path=$schema" ;; esac
	"$tmp/ward" keys new-kek "$tmp/kek" >/dev/null 2>&1
	admin=(--db "$dsn" --kek-file "$tmp/kek")
	"$tmp/ward" keys list "${admin[@]}" >/dev/null # migrations and the first key, once
	start_pg "$INSTANCES"
	server_pid="" # in $pids
	measured_pid=$(cat "$tmp/ward1.pid")
	if [ "$INSTANCES" -gt 1 ]; then
		port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		start_nginx "127.0.0.1:$port"
		url=http://127.0.0.1:$port
		echo "# $INSTANCES ward serve on PostgreSQL schema $schema ($(paste -sd' ' "$tmp/instances")), nginx round robin at $url${INSTANCE_PROCS:+, GOMAXPROCS=$INSTANCE_PROCS each}"
		measured_pid=0 # several processes: their CPU is not measured
	else
		url=$(head -n1 "$tmp/instances")
		echo "# ward serve on PostgreSQL schema $schema at $url (pid $measured_pid)"
	fi
	compare=()
else
# shellcheck disable=SC2086 # SERVE_FLAGS is a list of flags
"${server_prefix[@]}" "$tmp/ward" serve --addr 127.0.0.1:0 --data-dir "$tmp/data" \
	--log-level "$LOG_LEVEL" --trusted-proxy 127.0.0.1 $SERVE_FLAGS 2>"$tmp/serve.log" &
server_pid=$!
url=$(wait_url "$tmp/serve.log" "$server_pid")
echo "# ward serve at $url (pid $server_pid)"
measured_pid=$server_pid
compare=()
if [ "$COMPARE_LIMITS" = 1 ]; then
	# shellcheck disable=SC2086
	"${server_prefix[@]}" "$tmp/ward" serve --addr 127.0.0.1:0 --data-dir "$tmp/data" \
		--log-level "$LOG_LEVEL" --trusted-proxy 127.0.0.1 $COMPARE_FLAGS $SERVE_FLAGS 2>"$tmp/serve-off.log" &
	off_pid=$!
	off_url=$(wait_url "$tmp/serve-off.log" "$off_pid")
	echo "# ward serve $COMPARE_FLAGS at $off_url (pid $off_pid), same data directory"
	compare=(-compare-url "$off_url" -compare-pid "$off_pid" -label on -compare-label off)
fi
fi

# Users and a client, through the admin commands (the server is running:
# they share the store).
pw=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
printf 'Load-%s-Test\n' "$pw" >"$tmp/password.txt"
: >"$tmp/users.txt"
for i in $(seq 1 "$USERS"); do
	email="load$i@example.com"
	"$tmp/ward" user add "${admin[@]}" --password-file "$tmp/password.txt" "$email" >/dev/null
	echo "$email" >>"$tmp/users.txt"
done
"$tmp/ward" client add "${admin[@]}" --scope load:read load >"$tmp/client.env" 2>"$tmp/client.log"
echo "# $USERS users and one client created"

if [ -n "$KILL_AFTER" ]; then
	(
		sleep "$KILL_AFTER"
		kill -KILL "$(cat "$tmp/ward1.pid")" 2>/dev/null && echo "# $(date -u +%H:%M:%S) killed instance 1 ($(head -n1 "$tmp/instances")) with SIGKILL" >&2
	) &
fi
"${load_prefix[@]}" "$tmp/load" -url "$url" -modes "$MODES" -workers "$WORKERS" \
	-duration "$DURATION" -warmup "$WARMUP" -server-cores "$server_cores" \
	-server-pid "$measured_pid" -clk-tck "$(getconf CLK_TCK)" \
	-users "$tmp/users.txt" -password-file "$tmp/password.txt" -client-file "$tmp/client.env" \
	-rounds "$ROUNDS" "${compare[@]}"

echo "# load after: $(cat /proc/loadavg 2>/dev/null || uptime)"
case ",$MODES," in
*,login-flood,*)
	# Every login whose password was checked and failed is audited (and
	# logged at warn); the refused ones are only counted in the
	# rate_limited summaries.
	checked=$(grep -c 'msg=audit type=login outcome=failure.*ip=198.51.100.66' "$tmp/serve.log" || true)
	sleep 61 # the last summary interval (one minute) ends
	refused=$(sed -n 's/.*msg=rate_limited limit=login[a-z_]* key=[^ ]*198.51.100.66 count=\([0-9]*\).*/\1/p' "$tmp/serve.log" | paste -sd+ | bc)
	echo "# login-flood: server-side, the flood's passwords checked (argon2id): $checked; refused before hashing: ${refused:-0}"
	;;
esac
for f in "$tmp"/serve*.log; do
	if grep -qiE 'level=(error|warn)' "$f"; then
		echo "# server warnings and errors ($(basename "$f")):"
		grep -iE 'level=(error|warn)' "$f" | head -n 20 | sed 's/^/#   /'
	fi
done
