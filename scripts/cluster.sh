#!/usr/bin/env bash
# scripts/cluster.sh: a Ward cluster on this machine, to try scale-out and
# for the cluster tests (cmd/ward/cluster_test.go runs this script).
#
#   scripts/cluster.sh [start]   start it and print its addresses
#   scripts/cluster.sh stop      stop it and remove everything it created
#   scripts/cluster.sh status    print its addresses if it runs
#
# What runs: INSTANCES (3) "ward serve" processes on loopback ports, all on
# one PostgreSQL schema (ward_cluster_<id>, created here, dropped by stop)
# and one Redis key prefix (ward-cluster-<id>:, deleted by stop), sharing
# one key-encryption key file; Debian's nginx in front of them on
# PROXY_ADDR, round robin, no sticky sessions. The issuer of every
# instance is the proxy's URL: clients see one auth server.
#
# Settings (environment):
#   CLUSTER_DIR   state: pids, logs, the KEK, nginx.conf (default
#                 ${TMPDIR:-/tmp}/ward-cluster); one cluster per directory
#   PG_URL        PostgreSQL server (default
#                 postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)
#   REDIS_URL     Redis (default redis://127.0.0.1:6379/0); "none": run
#                 without Redis (revocations then spread at the sync
#                 interval and limits are per instance)
#   PROXY_ADDR    nginx's listen address (default 127.0.0.1:8480)
#   INSTANCES     how many ward serve processes (default 3)
#   WARD_BIN      a built ward binary (default: go build ./cmd/ward)
#   SERVE_FLAGS   more ward serve flags, as "--refresh-grace 0s --sync-interval 1s"
#
# Needs: go (unless WARD_BIN), psql, nginx; redis-cli to clean up the
# Redis keys on stop.
set -euo pipefail

CLUSTER_DIR=${CLUSTER_DIR:-${TMPDIR:-/tmp}/ward-cluster}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
PROXY_ADDR=${PROXY_ADDR:-127.0.0.1:8480}
INSTANCES=${INSTANCES:-3}
SERVE_FLAGS=${SERVE_FLAGS:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd)

die() { echo "cluster.sh: $*" >&2; exit 1; }

# with_param URL KEY VALUE: URL with the query parameter KEY=VALUE added.
with_param() {
	case $1 in
	*\?*) echo "$1&$2=$3" ;;
	*) echo "$1?$2=$3" ;;
	esac
}

status() {
	[ -f "$CLUSTER_DIR/env" ] || die "no cluster in $CLUSTER_DIR"
	# shellcheck disable=SC1091
	. "$CLUSTER_DIR/env"
	echo "proxy:     http://$PROXY_ADDR  (nginx, round robin over the instances)"
	local i=1
	while read -r u; do
		echo "instance $i: $u  (pid $(cat "$CLUSTER_DIR/ward$i.pid"), log $CLUSTER_DIR/ward$i.log)"
		i=$((i + 1))
	done <"$CLUSTER_DIR/instances"
	echo "postgres:  schema $SCHEMA on $PG_URL"
	if [ "$REDIS_URL" = none ]; then
		echo "redis:     none"
	else
		echo "redis:     prefix $PREFIX on $REDIS_URL"
	fi
	echo "kek:       $CLUSTER_DIR/kek (every instance and admin command needs it)"
	echo "admin:     $WARD_BIN user list --db '$DSN' --kek-file $CLUSTER_DIR/kek"
	echo "stop:      CLUSTER_DIR=$CLUSTER_DIR $0 stop"
}

stop() {
	[ -f "$CLUSTER_DIR/env" ] || { rm -rf "$CLUSTER_DIR"; return 0; }
	# shellcheck disable=SC1091
	. "$CLUSTER_DIR/env"
	local f pid
	for f in "$CLUSTER_DIR"/*.pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
	done
	for f in "$CLUSTER_DIR"/*.pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		for _ in $(seq 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
	done
	psql -q "$PG_URL" -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1 ||
		echo "cluster.sh: could not drop schema $SCHEMA" >&2
	if [ "$REDIS_URL" != none ] && command -v redis-cli >/dev/null; then
		redis-cli -u "$REDIS_URL" --scan --pattern "$PREFIX*" |
			xargs -r -n 100 redis-cli -u "$REDIS_URL" DEL >/dev/null || true
	fi
	rm -rf "$CLUSTER_DIR"
	echo "cluster.sh: stopped; schema $SCHEMA dropped"
}

start() {
	[ ! -f "$CLUSTER_DIR/env" ] || die "a cluster runs in $CLUSTER_DIR: stop it first (CLUSTER_DIR=$CLUSTER_DIR $0 stop)"
	command -v psql >/dev/null || die "psql is not installed (apt-get install postgresql-client)"
	local nginx
	nginx=$(command -v nginx || echo /usr/sbin/nginx)
	[ -x "$nginx" ] || die "nginx is not installed (apt-get install nginx)"
	mkdir -p "$CLUSTER_DIR"
	CLUSTER_DIR=$(cd "$CLUSTER_DIR" && pwd)
	if [ -z "${WARD_BIN:-}" ]; then
		WARD_BIN=$CLUSTER_DIR/ward
		(cd "$ROOT" && go build -o "$WARD_BIN" ./cmd/ward)
	fi
	local id
	id=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
	SCHEMA=ward_cluster_$id
	PREFIX=ward-cluster-$id:
	DSN=$(with_param "$PG_URL" search_path "$SCHEMA")
	psql -q -v ON_ERROR_STOP=1 "$PG_URL" -c "CREATE SCHEMA $SCHEMA" >/dev/null ||
		die "cannot create schema $SCHEMA on $PG_URL"
	cat >"$CLUSTER_DIR/env" <<-EOF
		SCHEMA=$SCHEMA
		PREFIX='$PREFIX'
		DSN='$DSN'
		PG_URL='$PG_URL'
		REDIS_URL='$REDIS_URL'
		PROXY_ADDR=$PROXY_ADDR
		WARD_BIN='$WARD_BIN'
	EOF
	trap 'echo "cluster.sh: start failed; cleaning up" >&2; stop >&2' ERR
	"$WARD_BIN" keys new-kek "$CLUSTER_DIR/kek" >/dev/null 2>&1 || die "ward keys new-kek failed"
	# Apply the migrations and make the first signing key once, before the
	# instances start (they would agree anyway, under an advisory lock).
	"$WARD_BIN" keys list --db "$DSN" --kek-file "$CLUSTER_DIR/kek" >/dev/null

	local redis_flags=() i u
	if [ "$REDIS_URL" != none ]; then
		redis_flags=(--redis-prefix "$PREFIX")
	fi
	: >"$CLUSTER_DIR/instances"
	for i in $(seq "$INSTANCES"); do
		mkdir -p "$CLUSTER_DIR/data$i"
		# shellcheck disable=SC2086 # SERVE_FLAGS is a list of words
		WARD_DB=$DSN WARD_KEK_FILE=$CLUSTER_DIR/kek WARD_REDIS=$([ "$REDIS_URL" = none ] || echo "$REDIS_URL") \
			"$WARD_BIN" serve --addr 127.0.0.1:0 --data-dir "$CLUSTER_DIR/data$i" \
			--issuer "http://$PROXY_ADDR" --trusted-proxy 127.0.0.1 "${redis_flags[@]}" $SERVE_FLAGS \
			>"$CLUSTER_DIR/ward$i.log" 2>&1 &
		echo $! >"$CLUSTER_DIR/ward$i.pid"
	done
	for i in $(seq "$INSTANCES"); do
		u=
		for _ in $(seq 300); do
			u=$(sed -n 's/^ward: listening on //p' "$CLUSTER_DIR/ward$i.log" | head -1)
			[ -n "$u" ] && break
			kill -0 "$(cat "$CLUSTER_DIR/ward$i.pid")" 2>/dev/null || { cat "$CLUSTER_DIR/ward$i.log" >&2; die "instance $i exited"; }
			sleep 0.1
		done
		[ -n "$u" ] || die "instance $i did not listen within 30s (see $CLUSTER_DIR/ward$i.log)"
		echo "$u" >>"$CLUSTER_DIR/instances"
	done

	# nginx: round robin (its default), no stickiness. A request that could
	# not be sent to an instance (connection refused: it died) goes to the
	# next one; nginx never resends a POST that an instance may have
	# received. X-Upstream says which instance answered.
	{
		echo "daemon on;"
		echo "worker_processes 1;"
		echo "pid $CLUSTER_DIR/nginx.pid;"
		echo "error_log $CLUSTER_DIR/nginx-error.log warn;"
		[ "$(id -u)" != 0 ] || echo "user root root;"
		echo "events { worker_connections 1024; }"
		echo "http {"
		echo "    access_log off;"
		for p in client_body proxy fastcgi uwsgi scgi; do
			echo "    ${p}_temp_path $CLUSTER_DIR/nginx-$p;"
		done
		echo "    upstream ward {"
		while read -r u; do
			echo "        server ${u#http://} max_fails=1 fail_timeout=5s;"
		done <"$CLUSTER_DIR/instances"
		echo "        keepalive 32;"
		echo "    }"
		echo "    server {"
		echo "        listen $PROXY_ADDR;"
		echo "        location / {"
		echo "            proxy_pass http://ward;"
		echo "            proxy_http_version 1.1;"
		echo "            proxy_set_header Connection \"\";"
		echo "            proxy_set_header Host \$host;"
		echo "            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;"
		echo "            proxy_set_header X-Forwarded-Proto \$scheme;"
		echo "            proxy_buffering off;"      # the revocation feed's stream
		echo "            proxy_read_timeout 1h;"
		echo "            proxy_next_upstream error;" # connection refused: the next instance
		echo "            add_header X-Upstream \$upstream_addr always;"
		echo "        }"
		echo "    }"
		echo "}"
	} >"$CLUSTER_DIR/nginx.conf"
	"$nginx" -p "$CLUSTER_DIR/" -c "$CLUSTER_DIR/nginx.conf" -e "$CLUSTER_DIR/nginx-error.log" ||
		die "nginx did not start (see $CLUSTER_DIR/nginx-error.log)"
	for _ in $(seq 100); do
		[ -s "$CLUSTER_DIR/nginx.pid" ] && break
		sleep 0.1
	done
	[ -s "$CLUSTER_DIR/nginx.pid" ] || die "nginx wrote no pid file"
	trap - ERR
	status
}

case ${1:-start} in
start) start ;;
stop) stop ;;
status) status ;;
*) die "usage: $0 [start|stop|status]" ;;
esac
