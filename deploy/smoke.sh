#!/usr/bin/env bash
# The compose topology (deploy/compose.yaml) as plain processes on this machine, checked:
#
#   a private PostgreSQL cluster (initdb in a temporary directory, its own port and socket
#   directory; passwords required over TCP) -> deploy/db-bootstrap.sh creates the database, the
#   owner role and the application role -> `ketnap tenants list` as the owner creates the
#   platform schema (the compose file's ketnap-init) -> two `ketnap serve` (server A and B, two
#   ports, KETNAP_ENV=production with a token-signing public key) and two `ketnap worker`
#   (application role only) -> nginx with deploy/nginx.conf in front of both servers, when nginx
#   is installed -> deploy/smoke_checks.py check (what it proves is listed there).
#
# Passwords reach the processes as the compose file's secrets do: a libpq password file
# (PGPASSFILE), never in the URLs or the environment.
#
# Usage: deploy/smoke.sh            (exit 0 when every check passed)
# Environment: PG_BIN (PostgreSQL's bin directory; default: the newest installed, installed with
# apt-get when missing and root), KETNAP_SMOKE_PYTHON (a Python with Ketnap installed; default
# .venv, created by scripts/venv.sh when missing), KETNAP_SMOKE_KEEP=1 keeps the temporary
# directory (logs) after the run.
# Everything it starts is stopped, by process id, on any exit; the directory is removed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
started_at=$SECONDS

log() { printf '==> %s\n' "$*" >&2; }
is_root() { [ "$(id -u)" = 0 ]; }

# --- Python with Ketnap ---------------------------------------------------------------------
if [ -n "${KETNAP_SMOKE_PYTHON:-}" ]; then
  PY=$KETNAP_SMOKE_PYTHON
else
  if [ ! -x .venv/bin/ketnap ]; then
    KETNAP_EXTRAS=""
    # shellcheck source=scripts/venv.sh
    . "$ROOT/scripts/venv.sh"
  fi
  PY=$ROOT/.venv/bin/python
fi
ketnap() { "$PY" -m service.cli "$@"; }

# --- PostgreSQL binaries (as scripts/test finds them) -----------------------------------------
find_pg_bin() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/psql" ]; then
      echo "$dir"
      return
    fi
  done
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(command -v pg_ctl)"
  fi
}
PG_BIN=${PG_BIN:-$(find_pg_bin)}
if [ -z "$PG_BIN" ] && is_root && command -v apt-get >/dev/null; then
  log "installing PostgreSQL"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  PG_BIN=$(find_pg_bin)
fi
[ -n "$PG_BIN" ] || { echo "PostgreSQL binaries not found (set PG_BIN)" >&2; exit 1; }

# --- Temporary directory, and stopping everything on exit -----------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ketnap-smoke.XXXXXX")
PG_DIR=$TMP/pg
SECRETS=$TMP/secrets
mkdir -p "$PG_DIR" "$SECRETS" "$TMP/logs"
chmod 711 "$TMP" # the postgres user (when root runs this) must reach its directory
chmod 700 "$PG_DIR" "$SECRETS"
AS_PG=()
if is_root; then
  # PostgreSQL refuses to run as root: run it as the postgres user, on a directory it owns.
  id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres: "$PG_DIR"
  AS_PG=(runuser -u postgres --)
fi
PIDS=()

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local pid
  for pid in "${PIDS[@]}"; do
    kill -CONT "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ -f "$PG_DIR/data/postmaster.pid" ]; then
    (cd "$PG_DIR" && "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop \
      >/dev/null 2>&1) || true
  fi
  if [ "$rc" != 0 ]; then
    for f in "$TMP"/logs/*; do
      [ -f "$f" ] || continue
      printf '\n----- %s (last 40 lines)\n' "$(basename "$f")" >&2
      tail -n 40 "$f" >&2 || true
    done
    tail -n 20 "$PG_DIR/postgres.log" >&2 2>/dev/null || true
  fi
  if [ -n "${KETNAP_SMOKE_KEEP:-}" ]; then
    echo "kept: $TMP" >&2
  else
    rm -rf "$TMP"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- PostgreSQL: a private cluster, passwords over TCP --------------------------------------
PG_PORT=$(free_port)
head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$SECRETS/owner-password"
head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$SECRETS/app-password"
log "PostgreSQL ($PG_BIN) on 127.0.0.1:$PG_PORT in $PG_DIR"
(
  cd "$PG_DIR"
  "${AS_PG[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --no-locale --no-sync >"$PG_DIR/initdb.log" 2>&1 ||
    { cat "$PG_DIR/initdb.log" >&2; exit 1; }
  "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 60 \
    -o "-p $PG_PORT -h 127.0.0.1 -k $PG_DIR -c max_connections=100 -c fsync=off" \
    -o "-c synchronous_commit=off -c full_page_writes=off" start >/dev/null ||
    { cat "$PG_DIR/postgres.log" >&2; exit 1; }
)

log "deploy/db-bootstrap.sh: database and roles"
PATH="$PG_BIN:$PATH" PGHOST=$PG_DIR PGPORT=$PG_PORT PGUSER=postgres \
  OWNER_PASSWORD_FILE=$SECRETS/owner-password APP_PASSWORD_FILE=$SECRETS/app-password \
  sh deploy/db-bootstrap.sh

# The processes' passwords: a libpq password file (mode 0600, or libpq ignores it).
umask 077
{
  echo "127.0.0.1:$PG_PORT:ketnap:ketnap_owner:$(cat "$SECRETS/owner-password")"
  echo "127.0.0.1:$PG_PORT:ketnap:ketnap_app:$(cat "$SECRETS/app-password")"
} >"$SECRETS/pgpass"
umask 022
"$PY" deploy/smoke_checks.py keys "$SECRETS"

# --- Settings shared by every process (the compose file's x-ketnap-env) -----------------------
export PGPASSFILE=$SECRETS/pgpass
export KETNAP_ENV=production
export KETNAP_DATABASE_URL="postgresql://ketnap_app@127.0.0.1:$PG_PORT/ketnap"
export KETNAP_JWT_PUBLIC_KEY_FILE=$SECRETS/jwt-public.pem
export KETNAP_JWT_ISSUER=ketnap-smoke
export KETNAP_JWT_AUDIENCE=ketnap
export KETNAP_KEY_FILE=$SECRETS/personal-data-keys.json
export KETNAP_DATA_DIR=$TMP/data
export KETNAP_PG_POOL_SIZE=2
export KETNAP_PG_MAX_OVERFLOW=3
# Short enough that the paused-worker check runs out A's wait, long enough for B's.
export KETNAP_READ_YOUR_WRITES_TIMEOUT=1.5
export KETNAP_WORKER_POLL_INTERVAL=1
export KETNAP_WORKER_TAKEOVER_INTERVAL=0.5
OWNER_URL="postgresql://ketnap_owner@127.0.0.1:$PG_PORT/ketnap"

log "ketnap tenants list (as the owner: creates the platform schema)"
KETNAP_DATABASE_OWNER_URL=$OWNER_URL ketnap tenants list >"$TMP/logs/init.log" 2>&1

# NAME ARGS... : a ketnap process in the background, its output in logs/NAME.log, its process
# id in LAST_PID. Started from a subshell, so it is no job of this shell (which would print
# "Killed" when the check kills a worker) and init reaps it.
start() {
  local name=$1
  shift
  LAST_PID=$(
    "$PY" -m service.cli "$@" >"$TMP/logs/$name.log" 2>&1 </dev/null &
    echo $!
  )
  PIDS+=("$LAST_PID")
}
PORT_A=$(free_port)
PORT_B=$(free_port)
# Each process's Prometheus metrics on a port of its own (KETNAP_METRICS_PORT).
METRICS_A=$(free_port)
METRICS_B=$(free_port)
METRICS_1=$(free_port)
METRICS_2=$(free_port)
log "ketnap serve on ports $PORT_A and $PORT_B; two ketnap worker"
# Each process names its pool's connections (application_name), to count them per process.
for server in a b; do
  port=$PORT_A metrics=$METRICS_A
  [ "$server" = b ] && port=$PORT_B metrics=$METRICS_B
  KETNAP_METRICS_PORT=$metrics KETNAP_DATABASE_URL="$KETNAP_DATABASE_URL?application_name=serve-$server" \
    KETNAP_DATABASE_OWNER_URL="$OWNER_URL?application_name=serve-$server-owner" \
    start "server-$server" serve --no-demo --host 127.0.0.1 --port "$port"
done
# Workers need no DDL right: the application role only.
KETNAP_DATABASE_URL="$KETNAP_DATABASE_URL?application_name=worker-1-pool" \
  KETNAP_METRICS_PORT=$METRICS_1 KETNAP_WORKER_NAME=ketnap-worker-1 start worker-1 worker
WORKER_1=$LAST_PID
KETNAP_DATABASE_URL="$KETNAP_DATABASE_URL?application_name=worker-2-pool" \
  KETNAP_METRICS_PORT=$METRICS_2 KETNAP_WORKER_NAME=ketnap-worker-2 start worker-2 worker
WORKER_2=$LAST_PID

for port in "$PORT_A" "$PORT_B"; do
  for _ in $(seq 600); do
    "$PY" -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$port/healthz', timeout=1)" \
      2>/dev/null && break
    for pid in "${PIDS[@]}"; do
      kill -0 "$pid" 2>/dev/null || { echo "a process exited early" >&2; exit 1; }
    done
    sleep 0.1
  done
done

# The proxy: deploy/nginx.conf itself, its upstreams and port pointed at these processes (when
# nginx is installed; `apt-get install nginx-light`).
NGINX=$(command -v nginx || ls /usr/sbin/nginx 2>/dev/null || true)
SMOKE_PROXY=""
if [ -n "$NGINX" ]; then
  PORT_P=$(free_port)
  mkdir -p "$TMP/nginx/logs"
  sed -e "s/server serve-1:8000/server 127.0.0.1:$PORT_A/" \
    -e "s/server serve-2:8000/server 127.0.0.1:$PORT_B/" \
    -e "s/listen 8080;/listen 127.0.0.1:$PORT_P;/" \
    -e "s|pid /tmp/nginx.pid;|pid $TMP/nginx/nginx.pid;|" \
    -e "s|access_log /dev/stdout ketnap;|access_log $TMP/logs/proxy-access.log ketnap;|" \
    -e "s|error_log /dev/stderr warn;|error_log $TMP/logs/proxy-error.log warn;|" \
    deploy/nginx.conf >"$TMP/nginx/nginx.conf"
  log "nginx ($NGINX) on port $PORT_P in front of both servers"
  LAST_PID=$(
    "$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/logs/proxy-error.log" \
      -g 'daemon off;' >"$TMP/logs/proxy.log" 2>&1 </dev/null &
    echo $!
  )
  PIDS+=("$LAST_PID")
  SMOKE_PROXY="http://127.0.0.1:$PORT_P"
  for _ in $(seq 100); do
    "$PY" -c "import urllib.request as u; u.urlopen('$SMOKE_PROXY/proxy-healthz', timeout=1)" \
      2>/dev/null && break
    sleep 0.1
  done
fi

SMOKE_PROXY=$SMOKE_PROXY SMOKE_PROXY_LOG=$TMP/logs/proxy-access.log \
SMOKE_SERVER_A="http://127.0.0.1:$PORT_A" SMOKE_SERVER_B="http://127.0.0.1:$PORT_B" \
  SMOKE_WORKER_A_NAME=ketnap-worker-1 SMOKE_WORKER_A_PID=$WORKER_1 \
  SMOKE_WORKER_B_NAME=ketnap-worker-2 SMOKE_WORKER_B_PID=$WORKER_2 \
  SMOKE_METRICS_A="http://127.0.0.1:$METRICS_A" SMOKE_METRICS_B="http://127.0.0.1:$METRICS_B" \
  SMOKE_WORKER_A_METRICS="http://127.0.0.1:$METRICS_1" \
  SMOKE_WORKER_B_METRICS="http://127.0.0.1:$METRICS_2" \
  SMOKE_ADMIN_DSN="host=$PG_DIR port=$PG_PORT user=postgres" SMOKE_DATABASE=ketnap \
  SMOKE_JWT_PRIVATE_KEY=$SECRETS/jwt-private.pem \
  "$PY" deploy/smoke_checks.py check

# Resident memory of each process still running (deploy/README.md, "Sizing").
for pid in "${PIDS[@]}"; do
  [ -r "/proc/$pid/status" ] || continue
  printf 'smoke: rss %s %s\n' "$(tr '\0' ' ' <"/proc/$pid/cmdline" | cut -c1-60)" \
    "$(awk '/^VmRSS/ {print $2 " " $3}' "/proc/$pid/status")"
done
log "smoke passed in $((SECONDS - started_at)) s"
