#!/usr/bin/env bash
# Load run of httpauth (issue 8, "Speed"; results in docs/benchmarks.md,
# section "httpauth").
#
# Builds scripts/httpauthload and, for each design, starts it on loopback
# and runs wrk against its trivial protected handler with the token it
# prints, ROUNDS times in alternation, each round starting one design
# later (so that a machine shared with other work affects every design
# alike). It prints, per design, the median requests/s and requests per
# CPU-second of the server process (on a machine shared with other work,
# the CPU a request costs is steadier than the rate a server gets), each
# with its ratio to no auth in the same round. Designs (see
# scripts/httpauthload):
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
	local cpu0 cpu1
	cpu0=$(cputicks "$pid")
	wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -H "Authorization: Bearer $tok" "http://$addr/" >"$tmp/wrk"
	cpu1=$(cputicks "$pid")
	grep -q 'Non-2xx' "$tmp/wrk" && { echo "httpauth-load: $mode answered errors" >&2; cat "$tmp/wrk" >&2; exit 1; }
	kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
	# requests/s, and requests per CPU-second of the server process
	awk -v ticks=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" '
		/requests in/ {n = $1}
		/^Requests\/sec:/ {rps = $2}
		END {printf "%s %.0f\n", rps, (ticks > 0) ? n / (ticks / hz) : 0}' "$tmp/wrk"
}

# cputicks PID: user + system CPU time of PID, in clock ticks.
cputicks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

declare -A results
read -r -a modes <<<"$MODES"
declare -A results ratios cpus cpuratios
for round in $(seq 1 "$ROUNDS"); do
	# Each round starts one design later, so that no design always
	# follows the same one.
	n=${#modes[@]}
	declare -A this=() thiscpu=()
	for i in $(seq 0 $((n - 1))); do
		mode=${modes[$(((i + round - 1) % n))]}
		read -r rps percpu < <(run "$mode")
		echo "round $round  $mode  $rps req/s  $percpu req/CPU-s" >&2
		results[$mode]="${results[$mode]:-} $rps"
		cpus[$mode]="${cpus[$mode]:-} $percpu"
		this[$mode]=$rps
		thiscpu[$mode]=$percpu
	done
	# Ratios within a round: other work on the machine changes slowly, so
	# designs measured seconds apart compare better than overall medians.
	if [ -n "${this[noauth]:-}" ]; then
		for mode in "${modes[@]}"; do
			ratios[$mode]="${ratios[$mode]:-} $(awk -v a="${this[$mode]}" -v b="${this[noauth]}" 'BEGIN {print a/b}')"
			cpuratios[$mode]="${cpuratios[$mode]:-} $(awk -v a="${thiscpu[$mode]}" -v b="${thiscpu[noauth]}" 'BEGIN {print (b > 0) ? a/b : 0}')"
		done
	fi
	unset this thiscpu
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
printf '\n(wrk -t%s -c%s -d%s, %s rounds; %s CPUs)\n' "$THREADS" "$CONNS" "$DURATION" "$ROUNDS" "$(nproc)"
printf '%-16s %12s %10s %14s %10s\n' design "req/s" "vs noauth" "req/CPU-s" "vs noauth"
for mode in "${modes[@]}"; do
	printf '%-16s %12.0f %9.1f%% %14.0f %9.1f%%\n' "$mode" \
		"$(echo "${results[$mode]}" | median)" "$(echo "${ratios[$mode]:-0}" | median | awk '{print 100*$1}')" \
		"$(echo "${cpus[$mode]}" | median)" "$(echo "${cpuratios[$mode]:-0}" | median | awk '{print 100*$1}')"
done
echo "(medians over rounds; \"vs noauth\": the median of the design's figure ÷ noauth's in the same round;"
echo " req/CPU-s: requests served per CPU-second of the server process, not counting Redis's own CPU)"
