#!/usr/bin/env bash
# The soak: `uvnet hello`, then `uvnet serve`, each under a minute of full wrk load, with the server's RSS, open
# descriptors and loop handles sampled idle before, at their peak during and idle after the load. Fails (exit 1)
# when handles or descriptors did not come back exactly, RSS grew past its margin, or wrk saw errors. Writes
# bench/results/soak-<date>.md.
#   bench/soak.sh [--duration SECONDS] [--warmup SECONDS] [--conns N]
# Every process is bounded in time, talks only to 127.0.0.1, and is stopped by PID. See bench/README.md.
set -uo pipefail

source "$(dirname "$0")/lib/common.sh"
source "$BENCH_DIR/lib/proc.sh"
source "$BENCH_DIR/lib/setup.sh"
source "$BENCH_DIR/lib/http.sh"
source "$BENCH_DIR/lib/soak.sh"

usage() {
  say "usage: bench/soak.sh [--duration SECONDS] [--warmup SECONDS] [--conns N]"
  exit 2
}

COMMAND="bench/soak.sh${*:+ $*}"
SOAK_SECONDS=60
# Long enough for JIT tiering, the GC's budgets and pools to settle before the start sample: under full load
# serve's RSS climbed for its first 10 to 15 s and then stayed flat (results/raw/soak/*.samples.csv).
SOAK_WARMUP_SECONDS=15
SOAK_CONNS=64
while (($# > 0)); do
  [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage
  case $1 in
    --duration) SOAK_SECONDS=$2 ;;
    --warmup) SOAK_WARMUP_SECONDS=$2 ;;
    --conns) SOAK_CONNS=$2 ;;
    *) usage ;;
  esac
  shift 2
done

trap 'stop_all_started' EXIT
trap 'say "interrupted"; exit 130' INT TERM

for tool in dotnet wrk taskset timeout; do
  command -v "$tool" > /dev/null || die "$tool is missing (bench/run.sh installs wrk)"
done
mkdir -p "$SOAK_DIR" "$RAW_DIR/logs"
note_machine
say "building src/Server (Release) into ${BUILD_DIR#"$ROOT_DIR"/}/uvnet-server"
build_dotnet "$ROOT_DIR/src/Server/Uvnet.Server.csproj" "$BUILD_DIR/uvnet-server"
UVNET_SERVER_DLL=$(app_dll "$BUILD_DIR/uvnet-server")
make_soak_tree

soak_target hello "GET /plaintext" hello -- /plaintext
soak_target serve "GET /small.html (1 KiB) and /big.bin (1 MiB) in turn" serve "$SOAK_TREE" -- /small.html /big.bin

report=$RESULTS_DIR/soak-$(date -u +%Y-%m-%d).md
write_soak_report "$report" "$COMMAND"
if ((SOAK_FAILURES > 0)); then
  say "soak FAILED ($SOAK_FAILURES bound(s) broken): ${report#"$ROOT_DIR"/}, logs in ${SOAK_DIR#"$ROOT_DIR"/}"
  exit 1
fi
say "soak passed in $((SECONDS - START_SECONDS)) s: ${report#"$ROOT_DIR"/}"
