#!/usr/bin/env bash
# Uvnet's side-by-side benchmark: builds every peer, runs each workload with every peer in interleaved
# rounds (A B C A B C), and writes bench/results/README.md with one SVG chart per workload.
#   bench/run.sh [--quick] [--only reactor|udp|http|memory|client|proxy|tls|h2|load] [--rounds N] [--load-generators]
#   (--load-generators adds uvnet load and wrk -t1 to the client suite's peers; a full run with --only writes its
#   report to bench/results/only-<suite>/, never over the full run's bench/results/README.md)
# Every run is bounded in time and talks only to 127.0.0.1. See bench/README.md.
set -uo pipefail

source "$(dirname "$0")/lib/common.sh"
source "$BENCH_DIR/lib/proc.sh"
source "$BENCH_DIR/lib/setup.sh"
source "$BENCH_DIR/lib/peers.sh"
source "$BENCH_DIR/lib/reactor.sh"
source "$BENCH_DIR/lib/udp.sh"
source "$BENCH_DIR/lib/http.sh"
source "$BENCH_DIR/lib/memory.sh"
source "$BENCH_DIR/lib/client.sh"
source "$BENCH_DIR/lib/proxy.sh"
source "$BENCH_DIR/lib/tls.sh"
source "$BENCH_DIR/lib/h2load.sh"
source "$BENCH_DIR/lib/h2.sh"
source "$BENCH_DIR/lib/load.sh"
source "$BENCH_DIR/lib/latency.sh"

usage() {
  say "usage: bench/run.sh [--quick] [--only reactor|udp|http|memory|client|proxy|tls|h2|load] [--rounds N] [--load-generators]"
  exit 2
}

use_full_settings
SUITES=(reactor udp http memory client proxy tls h2 load)
rounds_override=
only=
while (($# > 0)); do
  case $1 in
    --quick) use_quick_settings ;;
    --only)
      [[ ${2:-} =~ ^(reactor|udp|http|memory|client|proxy|tls|h2|load)$ ]] || usage
      SUITES=("$2")
      only=$2
      shift
      ;;
    --rounds)
      [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage
      rounds_override=$2
      shift
      ;;
    --load-generators) BENCH_LOAD_GENERATORS=1 ;;
    *) usage ;;
  esac
  shift
done
[[ -n $rounds_override ]] && ROUNDS=$rounds_override
# After the options: --quick may come after --only, and a quick run has its own folder already.
[[ -n $only ]] && use_partial_results "$only"

trap 'stop_all_started' EXIT
trap 'say "interrupted"; exit 130' INT TERM

ensure_tools "${SUITES[@]}"
build_peers
[[ " ${SUITES[*]} " == *" proxy "* ]] && build_proxy_peers
define_peers
write_machine_info

# Runs planned (peers found UNSUPPORTED on the first round are skipped after it).
for suite in "${SUITES[@]}"; do
  case $suite in
    reactor) RUN_TOTAL=$((RUN_TOTAL + ${#REACTOR_WORKLOADS[@]} * ROUNDS * ${#REACTOR_PEERS[@]})) ;;
    udp) RUN_TOTAL=$((RUN_TOTAL + ${#UDP_WORKLOADS[@]} * ROUNDS * ${#UDP_PEERS[@]})) ;;
    http) RUN_TOTAL=$((RUN_TOTAL + ${#HTTP_WORKLOADS[@]} * ROUNDS * ${#HTTP_PEERS[@]})) ;;
    memory) RUN_TOTAL=$((RUN_TOTAL + ROUNDS * ${#HTTP_PEERS[@]})) ;;
    client) RUN_TOTAL=$((RUN_TOTAL + ${#CLIENT_WORKLOADS[@]} * ROUNDS * ${#CLIENT_PEERS[@]})) ;;
    proxy) RUN_TOTAL=$((RUN_TOTAL + ${#PROXY_WORKLOADS[@]} * ROUNDS * ${#PROXY_PEERS[@]})) ;;
    tls) RUN_TOTAL=$((RUN_TOTAL + (${#TLS_WORKLOADS[@]} + 1) * ROUNDS * ${#TLS_PEERS[@]} + ROUNDS)) ;;
    h2) RUN_TOTAL=$((RUN_TOTAL + ${#H2_WORKLOADS[@]} * ROUNDS * ${#H2_PEERS[@]})) ;;
    load) RUN_TOTAL=$((RUN_TOTAL + ${#LOAD_WORKLOADS[@]} * ROUNDS * ${#LOAD_PEERS[@]})) ;;
  esac
done
say "$MODE run, $ROUNDS round(s), suites: ${SUITES[*]}, $RUN_TOTAL runs planned"

for suite in "${SUITES[@]}"; do
  "run_${suite}_suite"
done

dotnet "$BUILD_DIR/report/Uvnet.Bench.Report.dll" "$RAW_DIR" "$RESULTS_DIR" "$BENCH_DIR" ||
  die "the report could not be written"
say "done in $(((SECONDS - START_SECONDS) / 60))m$(((SECONDS - START_SECONDS) % 60))s: ${RESULTS_DIR#"$ROOT_DIR"/}/README.md"
