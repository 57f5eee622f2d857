#!/usr/bin/env bash
# Load run of httpauth (issue 8, "Speed"; results in docs/benchmarks.md,
# section "httpauth").
#
# Builds scripts/httpauthload and, for each design, starts it on loopback
# and runs wrk against its trivial protected handler with the token it
# prints, ROUNDS times in alternation (so that a machine shared with other
# work affects every design alike), then prints the median requests/s of
# each and its ratio to no auth. Designs (see scripts/httpauthload):
#   noauth, httpauth, httpauth-cache, redis-session, jwt-redis
# It needs wrk (apt-get install -y wrk) and, for the two Redis designs,
# Redis at REDIS (their keys are deleted on exit).
#
# Environment (all optional):
#   DURATION=10s   wrk -d per run
#   THREADS=2      wrk -t
#   CONNS=64       wrk -c
#   ROUNDS=3       runs per design
#   MODES="noauth httpauth httpauth-cache redis-session jwt-redis"
#   REDIS=redis://127.0.0.1:6379/0
#   GOMAXPROCS_SERVER=   GOMAXPROCS of the server (empty: all CPUs)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10s}"
THREADS="${THREADS:-2}"
CONNS="${CONNS:-64}"
ROUNDS="${ROUNDS:-3}"
MODES="${MODES:-noauth httpauth httpauth-cache redis-session jwt-redis}"
REDIS="${REDIS:-redis://127.0.0.1:6379/0}"

command -v wrk >/dev/null || { echo "httpauth-load: wrk is missing (apt-get install -y wrk)" >&2; exit 1; }
tmp=$(mktemp -d)
pid=""
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/httpauthload" ./scripts/httpauthload

# run MODE: one wrk run against a fresh server; prints requests/s.
run() {
	local mode=$1
	: >"$tmp/out"
	GOMAXPROCS="${GOMAXPROCS_SERVER:-}" "$tmp/httpauthload" -mode "$mode" -addr 127.0.0.1:0 \
		-token-out "$tmp/token" -redis "$REDIS" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	for _ in $(seq 1 600); do
		grep -q '^listening on' "$tmp/out" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || { cat "$tmp/err" >&2; exit 1; }
		sleep 0.05
	done
	local addr
	addr=$(sed -n 's/^listening on //p' "$tmp/out")
	[ -n "$addr" ] || { echo "httpauth-load: $mode did not start" >&2; cat "$tmp/err" >&2; exit 1; }
	local tok
	tok=$(cat "$tmp/token")
	# A check that the token is accepted: a refused one would measure 401s.
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "http://$addr/")
	[ "$code" = 200 ] || { echo "httpauth-load: $mode answered $code" >&2; exit 1; }
	wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -H "Authorization: Bearer $tok" "http://$addr/" >"$tmp/wrk"
	grep -q 'Non-2xx' "$tmp/wrk" && { echo "httpauth-load: $mode answered errors" >&2; cat "$tmp/wrk" >&2; exit 1; }
	kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
	awk '/^Requests\/sec:/ {print $2}' "$tmp/wrk"
}

declare -A results
for round in $(seq 1 "$ROUNDS"); do
	for mode in $MODES; do
		rps=$(run "$mode")
		echo "round $round  $mode  $rps req/s" >&2
		results[$mode]="${results[$mode]:-} $rps"
	done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
base=$(echo "${results[noauth]:-}" | median)
printf '\n%-16s %12s %10s   (wrk -t%s -c%s -d%s, median of %s; %s CPUs)\n' design "req/s" "vs noauth" "$THREADS" "$CONNS" "$DURATION" "$ROUNDS" "$(nproc)"
for mode in $MODES; do
	m=$(echo "${results[$mode]}" | median)
	if [ -n "$base" ]; then
		printf '%-16s %12.0f %9.1f%%\n' "$mode" "$m" "$(awk -v a="$m" -v b="$base" 'BEGIN {print 100*a/b}')"
	else
		printf '%-16s %12.0f\n' "$mode" "$m"
	fi
done
