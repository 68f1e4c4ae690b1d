# Shared state and helpers of bench/run.sh: paths, settings, progress lines, the raw CSV.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT_DIR=$(cd "$BENCH_DIR/.." && pwd)
BUILD_DIR=$BENCH_DIR/peers/build
RESULTS_DIR=$BENCH_DIR/results
RAW_DIR=$RESULTS_DIR/raw

# The server (or the one-process reactor peer) runs on SERVER_CPU, wrk and memclient on LOAD_CPU.
SERVER_CPU=0
LOAD_CPU=1

# Ports for the HTTP servers: below Linux's ephemeral range (32768+), one fresh port per run, from a start of this
# run's own: two benchmarks on one machine (the same harness in two worktrees) would otherwise race for the same ports.
NEXT_PORT=$((20100 + $$ % 10000))

RUN_INDEX=0
RUN_TOTAL=0
START_SECONDS=$SECONDS

# Settings for a full run; bench/run.sh --quick shortens them.
use_full_settings() {
  MODE=full
  ROUNDS=3
  REACTOR_SECONDS=5        # libuv's ping-pong runs 5 s
  TIMER_COUNT=1000000
  HTTP_WARMUP_SECONDS=5    # JIT tiering and pools settle before the measured run
  HTTP_SECONDS=10
  MEMORY_CONNS=10000
  # Warm-up until the server has used this much CPU (JIT tiering of the .NET peers needs CPU, not wall time: on a
  # shared machine 3 s of wall time left Uvnet's JIT at a fifth of its CPU in the measured handshakes), at most
  # TLS_WARMUP_MAX_SECONDS; then short measured rounds, so interleaving spreads a shared machine's drift.
  TLS_WARMUP_CPU_SECONDS=2
  TLS_WARMUP_MAX_SECONDS=30
  TLS_SECONDS=5
  LATENCY_SECONDS=10       # uvnet load --rate after wrk, for the proxy and TLS keep-alive latency columns
}

# A quick run is a smoke test: its report goes to bench/results-quick/ (git-ignored, beside results/ so the
# report's links still resolve), never over the committed full run's.
use_quick_settings() {
  MODE=quick
  RESULTS_DIR=$BENCH_DIR/results-quick
  RAW_DIR=$RESULTS_DIR/raw
  ROUNDS=1
  REACTOR_SECONDS=2
  TIMER_COUNT=1000000
  HTTP_WARMUP_SECONDS=1
  HTTP_SECONDS=3
  MEMORY_CONNS=10000
  TLS_WARMUP_CPU_SECONDS=0.5
  TLS_WARMUP_MAX_SECONDS=5
  TLS_SECONDS=2
  LATENCY_SECONDS=2
}

# A full run of some suites only (--only) writes its own report beside the full one, never over it: the full
# report's other suites would be lost (their raw data is git-ignored, so a fresh clone has none to redo them from).
# A quick run keeps its own folder (bench/results-quick/), which is git-ignored anyway.
use_partial_results() {
  [[ $MODE == quick ]] && return
  RESULTS_DIR=$BENCH_DIR/results/only-$1
  RAW_DIR=$RESULTS_DIR/raw
}

say() {
  printf '%s\n' "$*" >&2
}

die() {
  say "bench: $*"
  exit 1
}

# "[ 7/42  1m05s] pingpong-16 round 2/3 node" before a run starts.
progress_start() {
  RUN_INDEX=$((RUN_INDEX + 1))
  local elapsed=$((SECONDS - START_SECONDS))
  printf '[%3d/%-3d %2dm%02ds] %-14s round %d/%d  %-13s ' "$RUN_INDEX" "$RUN_TOTAL" \
    $((elapsed / 60)) $((elapsed % 60)) "$1" "$2" "$ROUNDS" "$3" >&2
}

progress_end() {
  printf '%s\n' "$*" >&2
}

# fresh_port: the next port no program listens on (another benchmark may share the machine, with the same ports).
fresh_port() {
  while [[ -n $(ss -Hltn "sport = :$NEXT_PORT" 2> /dev/null) ]]; do
    NEXT_PORT=$((NEXT_PORT + 1))
  done
  PORT=$NEXT_PORT
  NEXT_PORT=$((NEXT_PORT + 1))
}

# Starts a suite's raw CSV (workload,peer,round,key,value) and its run settings.
begin_suite() {
  SUITE=$1
  SUITE_CSV=$RAW_DIR/$SUITE.csv
  mkdir -p "$RAW_DIR/logs"
  echo 'workload,peer,round,key,value' > "$SUITE_CSV"
  {
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "mode=$MODE"
    echo "rounds=$ROUNDS"
  } > "$RAW_DIR/$SUITE.env"
  declare -gA UNSUPPORTED=()
}

# record <workload> <peer> <round> <key> <value>
record() {
  echo "$1,$2,$3,$4,$5" >> "$SUITE_CSV"
}

# Records every key=value of a peer's "RESULT ..." line.
record_result_line() {
  local workload=$1 peer=$2 round=$3 line=$4 field
  for field in ${line#RESULT }; do
    record "$workload" "$peer" "$round" "${field%%=*}" "${field#*=}"
  done
}

# mark_unsupported <workload> <peer> <round>: a peer that printed UNSUPPORTED for a workload is not run
# again for it in later rounds.
mark_unsupported() {
  UNSUPPORTED["$1/$2"]=1
  RUN_TOTAL=$((RUN_TOTAL - (ROUNDS - $3)))
  record "$1" "$2" "$3" status unsupported
}

is_unsupported() {
  [[ -n ${UNSUPPORTED["$1/$2"]:-} ]]
}

# The last lines a failed run wrote, for the person watching.
show_log_tail() {
  tail -n 5 "$1" 2>/dev/null | sed 's/^/      | /' >&2
}

# fail_run <workload> <peer> <round> <why> <log>: records the failure, says why, shows the log's end.
fail_run() {
  record "$1" "$2" "$3" status failed
  progress_end "FAILED: $4, log: ${5#"$ROOT_DIR"/}"
  show_log_tail "$5"
}

# measured_run_ok <workload> <round> <peer> <log> <cpu before> <cpu after> <count> <what was counted>: a measured run
# whose server's CPU was read on both sides (it did not exit) and that counted something; else the run is recorded as
# failed with the server's or the load's log (<log>.server.log, <log>.load.log) and the call fails.
measured_run_ok() {
  if [[ -z $5 || -z $6 ]]; then
    fail_run "$1" "$3" "$2" "the server exited during the run" "$4.server.log"
    return 1
  fi
  if [[ -z $7 || $7 == 0 ]]; then
    fail_run "$1" "$3" "$2" "no $8 completed" "$4.load.log"
    return 1
  fi
}

# start_run_server <workload> <round> <peer> <bound seconds> <log> <command...>: one run's server, pinned to
# SERVER_CPU and bounded in time (WRAPPER_PID and CHILD_PID as start_pinned sets them), waited for on $PORT. One that
# never listens is stopped and the run recorded as failed with its log; the call then fails.
start_run_server() {
  local workload=$1 round=$2 peer=$3 bound=$4 log=$5
  shift 5
  start_pinned "$SERVER_CPU" "$bound" "$log" "$@" && wait_for_port "$PORT" "$CHILD_PID" 30 && return
  stop_started "$WRAPPER_PID"
  fail_run "$workload" "$peer" "$round" "the server did not listen" "$log"
  return 1
}

# interleave <run function> <workload...> -- <peer...>: for each workload, round after round, every
# peer in turn (A B C A B C), so drift on the machine spreads over all peers. The run function gets
# <workload> <round> <peer>; peers that printed UNSUPPORTED for a workload are skipped after that.
interleave() {
  local run=$1 workloads=() workload round peer
  shift
  while [[ $1 != -- ]]; do
    workloads+=("$1")
    shift
  done
  shift
  for workload in "${workloads[@]}"; do
    for round in $(seq "$ROUNDS"); do
      for peer in "$@"; do
        is_unsupported "$workload" "$peer" && continue
        progress_start "$workload" "$round" "$peer"
        "$run" "$workload" "$round" "$peer"
      done
    done
  done
}
