# The reactor suite: libuv's own benchmark workloads, each peer one process pinned to one core.

# Workload name in the report -> the peer's arguments (after the CLI contract).
REACTOR_WORKLOADS=(pingpong-1 pingpong-16 pump-up pump-down timers loopcount)

reactor_arguments() {
  case $1 in
    pingpong-1) echo "pingpong --conns 1 --seconds $REACTOR_SECONDS" ;;
    pingpong-16) echo "pingpong --conns 16 --seconds $REACTOR_SECONDS" ;;
    pump-up) echo "pump-up --conns 1 --seconds $REACTOR_SECONDS" ;;
    pump-down) echo "pump-down --conns 1 --seconds $REACTOR_SECONDS" ;;
    timers) echo "timers --count $TIMER_COUNT" ;;
    loopcount) echo "loopcount --seconds $REACTOR_SECONDS" ;;
    *) udp_arguments "$1" ;; # the UDP suite's workloads run the same way (lib/udp.sh)
  esac
}

# One run: the peer prints one RESULT (or UNSUPPORTED) line on stdout.
run_reactor_once() {
  local workload=$1 round=$2 peer=$3
  local log=$RAW_DIR/logs/$workload-$peer-$round.log started=$SECONDS output line
  # Bounded: the workload's own duration plus time for the runtime to start and a million timers to fire.
  output=$(timeout -k 5 $((REACTOR_SECONDS + 60)) taskset -c "$SERVER_CPU" \
    ${REACTOR_COMMAND[$peer]} $(reactor_arguments "$workload") 2> "$log")
  local status=$?
  line=$(grep -E '^(RESULT|UNSUPPORTED)' <<< "$output" | tail -n 1)
  if [[ $line == UNSUPPORTED ]]; then
    mark_unsupported "$workload" "$peer" "$round"
    progress_end "unsupported (skipped from now on)"
  elif [[ $status -eq 0 && $line == RESULT* ]]; then
    record_result_line "$workload" "$peer" "$round" "$line"
    progress_end "${line#RESULT }  ($((SECONDS - started)) s)"
  else
    fail_run "$workload" "$peer" "$round" "exit $status" "$log"
  fi
}

run_reactor_suite() {
  begin_suite reactor
  say "== reactor: ${REACTOR_WORKLOADS[*]} (one process per run, pinned to CPU $SERVER_CPU)"
  interleave run_reactor_once "${REACTOR_WORKLOADS[@]}" -- "${REACTOR_PEERS[@]}"
}
