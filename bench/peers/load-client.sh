#!/usr/bin/env bash
# A load generator as a client peer: load-client.sh <uvnet DLL|wrk> <keepalive|pipelined> --port P --conns N
# --seconds S --warmup W. wrk: a warm-up run of W seconds (discarded), then a measured run of S seconds. uvnet load:
# one run, --warmup W then S seconds measured (a separate run would warm a process that then exits). Prints
# "RESULT requests_per_sec=<n> cpu_pct=<client CPU, 100 = one core> errors=<n> p99_us=<n>" (p99 from uvnet load only:
# wrk's closed-loop percentiles are not comparable). Pipelined means 16 requests in flight per connection (uvnet load
# --pipeline 16; wrk with bench/pipeline.lua). cpu_pct is over the whole process, uvnet load's warm-up included.
set -euo pipefail
generator=$1 mode=$2
shift 2
port= conns= seconds= warmup=
while [[ $# -gt 0 ]]; do
  case $1 in
    --port) port=$2 ;;
    --conns) conns=$2 ;;
    --seconds) seconds=$2 ;;
    --warmup) warmup=$2 ;;
    *) echo "load-client.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift 2
done
url=http://127.0.0.1:$port/plaintext
bench_dir=$(cd "$(dirname "$0")/.." && pwd)
times=$(mktemp)
out=$(mktemp)
trap 'rm -f "$times" "$out"' EXIT

run() { # run <seconds> <output file> [<warm-up seconds, uvnet load only>]
  if [[ $generator == wrk ]]; then
    local script=()
    [[ $mode == pipelined ]] && script=(-s "$bench_dir/pipeline.lua")
    /usr/bin/time -f '%e %U %S' -o "$times" wrk -t1 -c "$conns" -d "${1}s" "${script[@]}" "$url" ${script:+-- 16} > "$2"
  else
    local pipeline=()
    [[ $mode == pipelined ]] && pipeline=(--pipeline 16)
    /usr/bin/time -f '%e %U %S' -o "$times" dotnet "$generator" load "$url" -c "$conns" -d "${1}s" "${pipeline[@]}" \
      --warmup "${3:-0}" --expect-status 200 --json > "$2"
  fi
}

if [[ $generator == wrk ]]; then
  [[ ${warmup:-0} -gt 0 ]] && run "$warmup" /dev/null
  run "$seconds" "$out"
else
  run "$seconds" "$out" "${warmup:-0}"
fi
cpu=$(awk '{ printf "%d", ($2 + $3) * 100 / $1 }' "$times")
if [[ $generator == wrk ]]; then
  rps=$(awk '/^Requests\/sec:/ { printf "%d", $2 }' "$out")
  errors=$(awk '/Non-2xx|Socket errors/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i } END { print n + 0 }' "$out")
  echo "RESULT requests_per_sec=$rps cpu_pct=$cpu errors=$errors"
else
  python3 - "$out" "$cpu" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
latency = r['latency_us'] or {'p99': 0}  # null when no response completed (errors says why)
print(f"RESULT requests_per_sec={int(r['requests_per_s'])} cpu_pct={sys.argv[2]} errors={r['errors']['total']} p99_us={latency['p99']}")
PY
fi
