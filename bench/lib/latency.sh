# Latency columns for the proxy and TLS keep-alive workloads (issue 24): after wrk's measured run (wrk keeps the
# throughput rows, comparable with earlier runs), `uvnet load --rate` sends LATENCY_RATE requests/s in all over 64
# connections for LATENCY_SECONDS, open loop, each request timed from its intended send time (coordinated omission
# corrected, as wrk2), pinned to the load CPU. The same offered load for every peer, below what each sustains here.
# uvnet load's default 1 s warm-up (--warmup) runs first, not measured; pinned to one core, its JIT may still be
# tiering after it (README, "The JIT on one core"), for every peer alike.

LATENCY_RATE=5000

# rate_latency <url> <log> [uvnet load options...]: sets RATE_P50 and RATE_P99 (ms), RATE_ERRORS and RATE_UNSENT;
# fails (nothing set) without uvnet or without a response.
rate_latency() {
  local url=$1 log=$2
  shift 2
  RATE_P50= RATE_P99= RATE_ERRORS= RATE_UNSENT=
  [[ -n ${UVNET_SERVER_DLL:-} ]] || return 1
  timeout -k 5 $((LATENCY_SECONDS + 30)) taskset -c "$LOAD_CPU" dotnet "$UVNET_SERVER_DLL" load "$url" -c 64 \
    -d "${LATENCY_SECONDS}s" --rate "$LATENCY_RATE" --expect-status 200 --json "$@" > "$log" 2> "$log.err" || return 1
  local figures
  figures=$(python3 - "$log" << 'PY'
import json, sys
r = json.load(open(sys.argv[1]))
l = r['latency_us']
if l:
    print(f"{l['p50'] / 1000:.3f} {l['p99'] / 1000:.3f} {r['errors']['total']} {r['unsent']}")
PY
  )
  [[ -n $figures ]] || return 1
  read -r RATE_P50 RATE_P99 RATE_ERRORS RATE_UNSENT <<< "$figures"
}

# rate_latency_words <url> <log> [uvnet load options...]: the RESULT words of rate_latency's figures (none without them).
rate_latency_words() {
  rate_latency "$@" && echo "rate_p50_ms=$RATE_P50 rate_p99_ms=$RATE_P99 rate_errors=$((RATE_ERRORS + RATE_UNSENT))"
}
