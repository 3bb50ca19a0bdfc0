#!/usr/bin/env bash
# Login and authenticated GET /me through the gateway, measured with wrk against the real
# `xcode serve` (users service + gateway in one process), for every database × cache:
# {sqlite, postgres} × {memory, memcached, none}. Baseline on the same server: GET /healthz
# (the gateway alone: no gRPC hop, no session lookup). bench/README.md, section "Accounts".
#
#   bench/accounts/run.sh [--quick] [--only sqlite|postgres]
#
#   --quick   smoke run: 2 s per measurement, no warm-up, only the in-process cache
#   --only    one database
#
# Environment:
#   XCODE_BIN             the xcode binary (default: `cargo build --release -p xcode`, then
#                         $CARGO_TARGET_DIR/release/xcode)
#   XCODE_BENCH_PG_URL    a Postgres database to connect to for CREATE/DROP DATABASE
#                         (default postgres://postgres@127.0.0.1:5432/test); the bench's own
#                         database, xcode_bench_<pid>, is made fresh for every configuration
#                         on the same server and dropped afterwards
#   XCODE_BENCH_MEMCACHED the memcached to use (default 127.0.0.1:11211); when it does not
#                         answer, the script starts one of its own on another port
#   RUST_LOG              the server's log filter (default: the server's own, `info`, which
#                         writes one JSON line per request to stderr, as in production)
#
# Production settings except one: XCODE__AUTH__LOGINS_PER_MINUTE=100000000 (the per-address
# login limit would otherwise refuse the load generator after 60 logins). Password hashing is
# the default argon2id (19 MiB, t=2, p=1). Progress goes to stderr, the Markdown table to
# stdout; the exit status is 1 when any request failed (a non-2xx answer or a socket error).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit "$1"; }

quick=0
only=""
while (($#)); do
  case $1 in
    --quick) quick=1 ;;
    --only)
      [[ ${2:-} == sqlite || ${2:-} == postgres ]] || usage 2
      only=$2
      shift
      ;;
    --only=sqlite | --only=postgres) only=${1#--only=} ;;
    -h | --help) usage 0 ;;
    *) usage 2 ;;
  esac
  shift
done

threads=2
me_connections=32
login_connections=8
if ((quick)); then
  duration=2s warmup=""
  backends=(sqlite) caches=(memory)
  [[ -n $only ]] && backends=("$only")
else
  duration=10s warmup=1s
  backends=(sqlite postgres) caches=(memory memcached none)
  [[ -n $only ]] && backends=("$only")
fi

log() { printf '%s\n' "$*" >&2; }
die() { log "accounts bench: $*"; exit 1; }

# ---- Tools ----

apt_install() {
  command -v apt-get >/dev/null || die "$1 is missing (and no apt-get to install it)"
  log "installing $1 (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >&2 ||
    { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >&2; }
}
command -v wrk >/dev/null || apt_install wrk
command -v curl >/dev/null || apt_install curl
command -v jq >/dev/null || apt_install jq
if [[ " ${backends[*]} " == *" postgres "* ]]; then
  command -v psql >/dev/null || apt_install postgresql-client
fi

if [[ -n ${XCODE_BIN:-} ]]; then
  bin=$XCODE_BIN
else
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/xcode/target}"
  log "building xcode (cargo build --release -p xcode)"
  (cd "$root" && cargo build --release --locked -q -p xcode)
  bin=$CARGO_TARGET_DIR/release/xcode
fi
[[ -x $bin ]] || die "no xcode binary at $bin"

# ---- State, cleaned up on exit ----

work=$(mktemp -d /tmp/xcode-bench-accounts.XXXXXX)
server_pid=""
memcached_pid=""
wrk_pid=""
pg_admin=${XCODE_BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
db_name=xcode_bench_$$
db_created=0

stop_server() {
  [[ -n $server_pid ]] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  local i
  for ((i = 0; i < 100; i++)); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

drop_database() {
  ((db_created)) || return 0
  psql "$pg_admin" -qAt -v ON_ERROR_STOP=1 \
    -c "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" >/dev/null ||
    log "could not drop the database $db_name"
  db_created=0
}

cleanup() {
  [[ -z $wrk_pid ]] || kill -TERM "$wrk_pid" 2>/dev/null || true
  stop_server
  drop_database
  if [[ -n $memcached_pid ]]; then
    kill -TERM "$memcached_pid" 2>/dev/null || true
    wait "$memcached_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- Memcached ----

memcached_answers() { # HOST PORT
  (
    exec 3<>"/dev/tcp/$1/$2" || exit 1
    printf 'version\r\n' >&3
    IFS= read -r -t 2 reply <&3 && [[ $reply == VERSION* ]]
  ) 2>/dev/null
}

memcached_address=${XCODE_BENCH_MEMCACHED:-127.0.0.1:11211}
if [[ " ${caches[*]} " == *" memcached "* ]] &&
  ! memcached_answers "${memcached_address%:*}" "${memcached_address##*:}"; then
  command -v memcached >/dev/null || apt_install memcached
  for port in $(seq 21211 21299); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
  done
  log "no memcached at $memcached_address: starting one on 127.0.0.1:$port"
  memcached -u "$(id -un)" -l 127.0.0.1 -p "$port" -m 64 &
  memcached_pid=$!
  memcached_address=127.0.0.1:$port
  for ((i = 0; i < 50; i++)); do
    memcached_answers 127.0.0.1 "$port" && break
    sleep 0.1
  done
  memcached_answers 127.0.0.1 "$port" || die "the memcached started on port $port does not answer"
fi

# ---- The server ----

admin_password="bench-admin-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
user=benchuser
user_password="wrk-measures-argon2id-logins"
base=""

start_server() { # BACKEND CACHE
  local backend=$1 cache=$2 dir=$work/$1-$2 cache_url
  mkdir -p "$dir"
  case $cache in
    memory | none) cache_url=$cache ;;
    memcached) cache_url=memcached://$memcached_address ;;
  esac
  local vars=(
    XCODE__ADMIN__USERNAME=benchadmin
    XCODE__ADMIN__EMAIL=benchadmin@example.com
    "XCODE__ADMIN__PASSWORD=$admin_password"
    XCODE__AUTH__LOGINS_PER_MINUTE=100000000
    "XCODE__CACHE__URL=$cache_url"
  )
  if [[ $backend == postgres ]]; then
    psql "$pg_admin" -qAt -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db_name" >/dev/null
    db_created=1
    vars+=("XCODE__DATABASE__URL=${pg_admin%/*}/$db_name")
  fi
  : >"$dir/stdout"
  env "${vars[@]}" "$bin" serve --http 127.0.0.1:0 --grpc 127.0.0.1:0 --data-dir "$dir/data" \
    >"$dir/stdout" 2>"$dir/stderr" &
  server_pid=$!
  local i line=""
  for ((i = 0; i < 600; i++)); do
    line=$(grep -m1 -o 'xcode: HTTP listening on http://[0-9.:]*' "$dir/stdout" || true)
    [[ -n $line ]] && break
    kill -0 "$server_pid" 2>/dev/null || { tail -20 "$dir/stderr" >&2; die "xcode serve exited"; }
    sleep 0.1
  done
  [[ -n $line ]] || die "xcode serve did not announce its HTTP address within 60 s"
  base=${line#xcode: HTTP listening on }
  for ((i = 0; i < 300; i++)); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$base/readyz") == 200 ]] && return 0
    sleep 0.1
  done
  die "$base/readyz did not answer 200 within 30 s"
}

# POST JSON, expect a status; prints the body.
post() { # PATH BODY STATUS
  local out=$work/response status
  status=$(curl -sS -o "$out" -w '%{http_code}' -H 'content-type: application/json' \
    -d "$2" "$base$1")
  [[ $status == "$3" ]] || die "POST $1: $status, expected $3: $(cat "$out")"
  cat "$out"
}

server_cpu_ticks() {
  local stat
  stat=$(<"/proc/$server_pid/stat")
  stat=${stat##*) }
  read -ra fields <<<"$stat"
  # After the command name: utime and stime are the 12th and 13th fields.
  echo $((fields[11] + fields[12]))
}
clock_ticks=$(getconf CLK_TCK)

# Sets children_cpu to the CPU time (user + system, seconds) of this shell's waited-for
# children so far: around a wrk run, the difference is wrk's own. (`times` must run in this
# shell, not in a $(...) subshell.)
children_cpu=0
read_children_cpu() {
  times >"$work/times"
  children_cpu=$(sed -n 2p "$work/times" | awk '{
    s = 0
    for (i = 1; i <= NF; i++) { split($i, ms, "m"); s += ms[1] * 60 + ms[2] }
    printf "%.3f\n", s }')
}

# Busy ticks of the whole machine (every core: the server, wrk, Postgres, memcached, and
# whatever else runs): user, nice, system, irq, softirq.
machine_busy_ticks() {
  local fields
  read -ra fields </proc/stat # cpu user nice system idle iowait irq softirq steal ...
  echo $((fields[1] + fields[2] + fields[3] + fields[6] + fields[7]))
}

rows=()
notes=()
failures=0

# Before a measurement: wrk for $warmup, except for GET /me, which gets 1000 requests one after
# another instead. wrk ends a run by closing its connections with requests in flight; a /me
# cancelled during a memcached lookup leaves that cache connection closed, and the next lookup
# on it fails, which makes the server skip memcached for a second (xcode_kit::cache::Memcached:
# "memcached get failed: a miss ... connection closed after an incomplete operation"), so the
# next run would start with its sessions read from the database.
warm_up() { # CONNECTIONS SCRIPT URL [SCRIPT ARGS...]
  if [[ $2 == me.lua ]]; then
    local i codes
    codes=$(for ((i = 0; i < 1000; i++)); do printf 'url = "%s"\noutput = "/dev/null"\n' "$3"; done |
      curl -s -K - -w '%{http_code}\n' -H "authorization: Bearer $4" | sort -u)
    [[ $codes == 200 ]] || die "warm-up of GET /me: statuses $codes"
  else
    run_wrk "$1" "$warmup" "$2" "$3" "${@:4}" >/dev/null
  fi
}

# "PID TICKS" of each Postgres backend serving the bench's database (the server's pool).
database_cpu_snapshot() {
  local pid stat fields
  for pid in $(psql "$pg_admin" -qAt \
    -c "SELECT pid FROM pg_stat_activity WHERE datname = '$db_name'"); do
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    read -ra fields <<<"${stat##*) }"
    echo "$pid $((fields[11] + fields[12]))"
  done
}

# Gets the memcached has served so far.
memcached_gets() {
  local reply
  reply=$(
    exec 3<>"/dev/tcp/${memcached_address%:*}/${memcached_address##*:}"
    printf 'stats\r\nquit\r\n' >&3
    tr -d '\r' <&3
  )
  awk '$2 == "cmd_get" { print $3 }' <<<"$reply"
}

# wrk in the background, waited for, so that a signal stops the script (and wrk) at once.
run_wrk() { # CONNECTIONS DURATION SCRIPT URL [SCRIPT ARGS...]
  wrk -t"$threads" -c"$1" -d"$2" --timeout 10s -s "$here/$3" "$4" -- "${@:5}" >"$work/wrk.out" &
  wrk_pid=$!
  wait "$wrk_pid"
  wrk_pid=""
  cat "$work/wrk.out"
}

# wrk with one of the Lua scripts; records a table row.
measure() { # CONFIGURATION ENDPOINT CONNECTIONS SCRIPT URL [SCRIPT ARGS...]
  local configuration=$1 endpoint=$2 connections=$3 script=$4 url=$5
  shift 5
  if [[ -n $warmup ]]; then
    warm_up "$connections" "$script" "$url" "$@"
  fi
  local before after machine_before machine_after wrk_before wrk_after output line
  local database_before="" database_after="" gets_before=0 gets_after=0
  [[ $backend == postgres ]] && database_before=$(database_cpu_snapshot)
  [[ $cache == memcached ]] && gets_before=$(memcached_gets)
  before=$(server_cpu_ticks)
  machine_before=$(machine_busy_ticks)
  read_children_cpu
  wrk_before=$children_cpu
  run_wrk "$connections" "$duration" "$script" "$url" "$@" >"$work/measure.out"
  output=$(<"$work/measure.out")
  after=$(server_cpu_ticks)
  machine_after=$(machine_busy_ticks)
  read_children_cpu
  wrk_after=$children_cpu
  [[ $backend == postgres ]] && database_after=$(database_cpu_snapshot)
  [[ $cache == memcached ]] && gets_after=$(memcached_gets)
  line=$(grep '^RESULT ' <<<"$output") || { log "$output"; die "wrk printed no RESULT line"; }
  local -A r=()
  local kv
  read -ra fields <<<"${line#RESULT }"
  for kv in "${fields[@]}"; do r[${kv%%=*}]=${kv#*=}; done
  local errors=$((r[non2xx] + r[socket_errors])) detail=""
  if ((errors)); then
    failures=$((failures + errors))
    detail=" (non-2xx ${r[non2xx]}${r[statuses]:+: ${r[statuses]}}; socket ${r[socket_errors]})"
  fi
  # The server's CPU time over the run: in cores, and per request (µs).
  # (wrk's duration is a little longer than -d: it includes connecting.)
  local cpu per_request wrk_cpu machine
  read -r cpu per_request wrk_cpu machine < <(awk -v t=$((after - before)) -v hz="$clock_ticks" \
    -v m=$((machine_after - machine_before)) -v w="$wrk_before" -v w2="$wrk_after" \
    -v s="${r[seconds]}" -v n="${r[requests]}" \
    'BEGIN { printf "%.2f %.0f %.2f %.2f\n", t / hz / s, n ? t / hz / n * 1e6 : 0, (w2 - w) / s, m / hz / s }')
  # Postgres: its backends' CPU for the server's connections (SQLite runs inside the server).
  local database=—
  if [[ $backend == postgres ]]; then
    database=$(awk -v hz="$clock_ticks" -v s="${r[seconds]}" '
      NR == FNR { before[$1] = $2; next }
      { total += $2 - before[$1] }
      END { printf "%.2f", total / hz / s }' <(echo "$database_before") <(echo "$database_after"))
  fi
  log "  $endpoint: ${r[rps]} req/s, p50 ${r[p50_ms]} ms, p99 ${r[p99_ms]} ms, errors $errors," \
    "server CPU $cpu cores ($per_request µs per request), Postgres $database cores," \
    "wrk $wrk_cpu cores, machine busy $machine cores"
  if [[ $cache == memcached && $endpoint == *"/me" ]]; then
    # 2 when every request found the session and the user in memcached; fewer when the
    # server skipped memcached (after a failure it does for a second).
    local gets
    gets=$(awk -v g=$((gets_after - gets_before)) -v n="${r[requests]}" \
      'BEGIN { printf "%.2f", n ? g / n : 0 }')
    log "  memcached gets per $endpoint: $gets (2 when every session and user came from it)"
    notes+=("- $configuration, $endpoint: $gets memcached gets per request (2: the session and the user, every time)")
  fi
  rows+=("$(printf '| %s | %s | %d | %d | %.2f ms | %.2f ms | %s%s | %s | %s µs | %s | %s | %s |' \
    "$configuration" "$endpoint" "$connections" "${r[rps]%.*}" "${r[p50_ms]}" "${r[p99_ms]}" \
    "$errors" "$detail" "$cpu" "$per_request" "$database" "$wrk_cpu" "$machine")")
}

started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
idle_before=$(machine_busy_ticks)
sleep 2
idle_before=$(awk -v t=$(($(machine_busy_ticks) - idle_before)) -v hz="$clock_ticks" \
  'BEGIN { printf "%.2f", t / hz / 2 }')
log "machine busy before the run: $idle_before cores (2 s)"
for backend in "${backends[@]}"; do
  for cache in "${caches[@]}"; do
    configuration="$backend + $cache"
    log "== $configuration"
    start_server "$backend" "$cache"
    post /api/v1/auth/register \
      "{\"username\":\"$user\",\"email\":\"$user@example.com\",\"password\":\"$user_password\"}" \
      201 >/dev/null
    token=$(post /api/v1/auth/login "{\"login\":\"$user\",\"password\":\"$user_password\"}" 200 |
      jq -r .access_token)
    [[ -n $token && $token != null ]] || die "login gave no access token"
    status=$(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer $token" \
      "$base/api/v1/me")
    [[ $status == 200 ]] || die "GET /api/v1/me: $status"

    measure "$configuration" "GET /healthz" "$me_connections" get.lua "$base/healthz"
    measure "$configuration" "GET /api/v1/me" "$me_connections" me.lua "$base/api/v1/me" "$token"
    measure "$configuration" "POST /api/v1/auth/login" "$login_connections" login.lua \
      "$base/api/v1/auth/login" "$user" "$user_password"

    stop_server
    problems=$(grep -c '"level":"\(WARN\|ERROR\)"' "$work/$backend-$cache/stderr" || true)
    if ((problems)); then
      log "  the server logged $problems warnings or errors, the first ones:"
      grep -m5 '"level":"\(WARN\|ERROR\)"' "$work/$backend-$cache/stderr" >&2
      notes+=("- $configuration: the server logged $problems warnings or errors, first: $(
        grep -m1 -o '"message":"[^"]*"' <(grep '"level":"\(WARN\|ERROR\)"' "$work/$backend-$cache/stderr")
      )")
    fi
    [[ $backend == postgres ]] && drop_database
    rm -rf "${work:?}/$backend-$cache"
  done
done

cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
revision=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
echo "Accounts through the gateway, $started: ${cpu_model:-unknown CPU}, $(nproc) cores, Linux $(uname -r), $idle_before cores busy in the 2 s before; xcode $revision; wrk $threads threads on the same cores, $duration per row${warmup:+ after a warm-up ($warmup of wrk; GET /me: 1000 requests one at a time)}."
echo
echo "| configuration | endpoint | connections | req/s | p50 | p99 | errors | server CPU, cores | server CPU per request | Postgres CPU, cores | wrk CPU, cores | machine busy, cores |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
if ((${#notes[@]})); then
  echo
  printf '%s\n' "${notes[@]}"
fi
if ((failures)); then
  log "accounts bench: $failures requests failed"
  exit 1
fi
