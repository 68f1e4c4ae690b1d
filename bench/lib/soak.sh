# The soak (bench/soak.sh): a uvnet command under long wrk load, sampled idle before it, at its peak during it
# and idle after it; the checks on those samples, and the report.

# What the idle samples after the load may differ from those before it by. Handles and descriptors: nothing
# (assembly files apart: code recompiled at tier 1 under load may first need an assembly then, and the runtime
# holds a loaded assembly's file open for good). RSS: up to the larger of 16 MiB and 10% more, for what the
# runtime keeps without leaking: the GC's gen0 budget is sized by the allocation rate it saw and freed heap stays
# committed for reuse; methods first hot under load get tier-1 code late in the run. The report says what the
# margin comes to per request served: the smallest leak it could miss.
SOAK_RSS_MARGIN_KB=16384
SOAK_RSS_MARGIN_PERCENT=10
# The server closes its connections as soon as wrk stops; a stats line comes every second.
SOAK_IDLE_BOUND=15

SOAK_DIR=$RAW_DIR/soak
SOAK_FAILURES=0
LOAD_ROWS=()
SAMPLE_ROWS=()
CHECK_ROWS=()

# make_soak_tree: the folder `uvnet serve` serves: an index, a small file and a 1 MiB one. Sets SOAK_TREE.
make_soak_tree() {
  SOAK_TREE=$SOAK_DIR/www
  mkdir -p "$SOAK_TREE"
  printf '<!doctype html>\n<title>soak</title>\n<a href="small.html">small</a> <a href="big.bin">big</a>\n' > "$SOAK_TREE/index.html"
  head -c 1024 /dev/zero | tr '\0' 's' > "$SOAK_TREE/small.html"
  head -c $((1024 * 1024)) /dev/urandom > "$SOAK_TREE/big.bin"
}

# start_soak_server <log> <uvnet args...>: uvnet on one loop pinned to the server CPU, printing a stats line a
# second, on a free port of 127.0.0.1 (a port of its own: run.sh's servers may be listening with SO_REUSEPORT).
# Sets WRAPPER_PID, CHILD_PID, and PORT from the start-up line.
start_soak_server() {
  local log=$1
  shift
  start_pinned "$SERVER_CPU" $((SOAK_WARMUP_SECONDS + SOAK_SECONDS + 4 * SOAK_IDLE_BOUND + 60)) "$log" \
    dotnet "$UVNET_SERVER_DLL" "$@" --loops 1 --quiet --stats 1 --host 127.0.0.1 --port 0 || return 1
  local deadline=$((SECONDS + 30))
  while ((SECONDS < deadline)) && kill -0 "$CHILD_PID" 2> /dev/null; do
    PORT=$(grep -om1 'http://127\.0\.0\.1:[0-9]*' "$log" | sed 's/.*://')
    [[ -n $PORT ]] && return 0
    sleep 0.1
  done
  return 1
}

# start_wrk <seconds> <log> <path...>: wrk -t1, keep-alive, against $PORT in the background, pinned to the load
# CPU and bounded; several paths are requested in turn (paths.lua). Sets WRAPPER_PID.
start_wrk() {
  local seconds=$1 log=$2 target
  shift 2
  target=("http://127.0.0.1:$PORT$1")
  (($# > 1)) && target=(-s "$BENCH_DIR/paths.lua" "${target[@]}" -- "$@")
  start_pinned "$LOAD_CPU" $((seconds + 30)) "$log" \
    wrk -t1 -c"$SOAK_CONNS" -d"${seconds}s" "${WRK_HEADERS[@]}" "${target[@]}"
}

# stats_line <log> <line number> [idle]: the last stats line of loop 0 after that line of a server log; with
# idle, the first one showing no connections open. Empty when there is none.
stats_line() {
  tail -n "+$(($2 + 1))" "$1" | awk -v idle="${3:-}" '
    /^stats loop=0 / && (idle == "" || / connections=0$/) { line = $0; if (idle != "") exit }
    END { print line }'
}

# stats_field <stats line> <handles|connections>
stats_field() {
  sed -n "s/.* $2=\([0-9]*\).*/\1/p" <<< "$1"
}

# sample_idle <log> <pid>: waits (bounded) for a stats line from now on showing no connections, then samples.
sample_idle() {
  local from deadline=$((SECONDS + SOAK_IDLE_BOUND)) line
  from=$(wc -l < "$1")
  while ((SECONDS < deadline)) && kill -0 "$2" 2> /dev/null; do
    line=$(stats_line "$1" "$from" idle)
    [[ -n $line ]] && { sample "$2" "$line"; return 0; }
    sleep 0.2
  done
  return 1
}

# sample <pid> <stats line>: sets RSS_KB (VmRSS), FDS (open descriptors, assembly files apart), DLL_FDS (those),
# HANDLES and CONNS (from the line).
sample() {
  RSS_KB=$(status_kb "$1" VmRSS)
  # Under load descriptors come and go while find reads them: what vanished does not count.
  DLL_FDS=$(find "/proc/$1/fd" -mindepth 1 -lname '*.dll' 2> /dev/null | wc -l)
  FDS=$(($(ls "/proc/$1/fd" | wc -l) - DLL_FDS))
  HANDLES=$(stats_field "$2" handles)
  CONNS=$(stats_field "$2" connections)
}

# sample_peak <log> <pid> <wrk pid> <csv>: samples once a second while wrk runs, each sample a line of the csv;
# sets the PEAK_* maxima, PEAK_SAMPLES, and HALF (the sample half-way through, to see whether RSS still climbs).
sample_peak() {
  PEAK_RSS_KB=0 PEAK_FDS=0 PEAK_DLL_FDS=0 PEAK_HANDLES=0 PEAK_CONNS=0 PEAK_SAMPLES=0 HALF=(0 0 0 0 0)
  echo 'sample,rss_kb,descriptors,assembly_descriptors,handles,connections' > "$4"
  while kill -0 "$3" 2> /dev/null; do
    sleep 1
    kill -0 "$2" 2> /dev/null || return 1
    sample "$2" "$(stats_line "$1" 0)"
    echo "$PEAK_SAMPLES,$RSS_KB,$FDS,$DLL_FDS,$HANDLES,$CONNS" >> "$4"
    ((PEAK_SAMPLES == SOAK_SECONDS / 2)) && HALF=("$RSS_KB" "$FDS" "$DLL_FDS" "$HANDLES" "$CONNS")
    ((RSS_KB > PEAK_RSS_KB)) && PEAK_RSS_KB=$RSS_KB
    ((FDS > PEAK_FDS)) && PEAK_FDS=$FDS
    ((DLL_FDS > PEAK_DLL_FDS)) && PEAK_DLL_FDS=$DLL_FDS
    ((HANDLES > PEAK_HANDLES)) && PEAK_HANDLES=$HANDLES
    ((CONNS > PEAK_CONNS)) && PEAK_CONNS=$CONNS
    PEAK_SAMPLES=$((PEAK_SAMPLES + 1))
  done
}

mib() {
  awk -v kb="$1" 'BEGIN { printf "%.1f MiB", kb / 1024 }'
}

# 1234567 -> 1,234,567
thousands() {
  sed ':a; s/\B[0-9]\{3\}\>/,&/; ta' <<< "$1"
}

# check <eq|le> <target> <what> <start> <end> <bound> <bound text>: passes when end equals (eq) or is at most
# (le) the bound; a row of the report.
check() {
  local op=$1 verdict=pass
  shift
  if [[ -z $4 ]] || { [[ $op == eq ]] && (($4 != $5)); } || (($4 > $5)); then
    verdict=FAIL
    SOAK_FAILURES=$((SOAK_FAILURES + 1))
  fi
  CHECK_ROWS+=("| $1 | $2 | $3 | ${4:-none} | $6 | $verdict |")
  say "   $2: $3 -> ${4:-none} (bound: $6): $verdict"
}

# soak_fail <target> <why> <log>: a target that could not run to its end; what it started is stopped.
soak_fail() {
  stop_all_started
  SOAK_FAILURES=$((SOAK_FAILURES + 1))
  CHECK_ROWS+=("| $1 | ran to the end | | no: $2 | | FAIL |")
  say "   FAILED: $2, log: ${3#"$ROOT_DIR"/}"
  show_log_tail "$3"
}

# soak_target <name> <load text> <uvnet args...> -- <path...>: warm-up, idle sample, the load with peak samples,
# idle sample, SIGTERM; then the checks.
soak_target() {
  local name=$1 load=$2 args=()
  shift 2
  while [[ $1 != -- ]]; do
    args+=("$1")
    shift
  done
  shift
  local log=$SOAK_DIR/$name.server.log wrk_log=$SOAK_DIR/$name.wrk.log
  say "== $name: ${SOAK_WARMUP_SECONDS} s warm-up, then ${SOAK_SECONDS} s of wrk -t1 -c$SOAK_CONNS on $load"
  start_soak_server "$log" "${args[@]}" || { soak_fail "$name" "the server did not listen" "$log"; return; }
  local server=$WRAPPER_PID pid=$CHILD_PID
  start_wrk "$SOAK_WARMUP_SECONDS" "$SOAK_DIR/$name.warmup.log" "$@" && wait_started "$WRAPPER_PID"
  sample_idle "$log" "$pid" || { soak_fail "$name" "not idle after the warm-up" "$log"; return; }
  local start=("$RSS_KB" "$FDS" "$HANDLES" "$DLL_FDS") load_before load_after
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  start_wrk "$SOAK_SECONDS" "$wrk_log" "$@" || { soak_fail "$name" "wrk did not start" "$wrk_log"; return; }
  local wrk=$WRAPPER_PID
  sample_peak "$log" "$pid" "$wrk" "$SOAK_DIR/$name.samples.csv" || { soak_fail "$name" "the server exited under load" "$log"; return; }
  wait_started "$wrk"
  load_after=$(cut -d' ' -f1-3 /proc/loadavg)
  sample_idle "$log" "$pid" || { soak_fail "$name" "connections still open ${SOAK_IDLE_BOUND} s after the load" "$log"; return; }
  local status
  terminate_started "$server" "$pid"
  status=$?

  local requests rps transfer errors
  requests=$(awk '/ requests in / {print $1}' "$wrk_log")
  requests=${requests:-0}
  rps=$(wrk_requests_per_sec "$wrk_log")
  transfer=$(awk '/^Transfer\/sec:/ {print $2}' "$wrk_log")
  errors=$(wrk_errors "$wrk_log")
  say "   $(thousands "$requests") requests, $(thousands "${rps:-0}")/s, $errors errors; load average $load_before -> $load_after"
  LOAD_ROWS+=("| $name | $load | $(thousands "$requests") | $(thousands "${rps:-0}") | ${transfer:-?} | $errors | $load_before → $load_after |")
  SAMPLE_ROWS+=("| $name | start: idle after the warm-up | $(mib "${start[0]}") | ${start[1]} | ${start[3]} | ${start[2]} | 0 |")
  SAMPLE_ROWS+=("| $name | half-way through the load | $(mib "${HALF[0]}") | ${HALF[1]} | ${HALF[2]} | ${HALF[3]} | ${HALF[4]} |")
  SAMPLE_ROWS+=("| $name | peak under load ($PEAK_SAMPLES samples, 1 s apart) | $(mib "$PEAK_RSS_KB") | $PEAK_FDS | $PEAK_DLL_FDS | $PEAK_HANDLES | $PEAK_CONNS |")
  SAMPLE_ROWS+=("| $name | end: idle after the load | $(mib "$RSS_KB") | $FDS | $DLL_FDS | $HANDLES | 0 |")

  local margin=$((start[0] * SOAK_RSS_MARGIN_PERCENT / 100))
  ((margin < SOAK_RSS_MARGIN_KB)) && margin=$SOAK_RSS_MARGIN_KB
  local per_request
  per_request=$(awk -v m="$margin" -v n="$requests" 'BEGIN { if (n > 0) printf "%.1f", m * 1024 / n; else print "?" }')
  check eq "$name" handles "${start[2]}" "$HANDLES" "${start[2]}" "= start"
  check eq "$name" "descriptors (assembly files apart)" "${start[1]}" "$FDS" "${start[1]}" "= start"
  check le "$name" "RSS (KiB)" "${start[0]}" "$RSS_KB" $((start[0] + margin)) \
    "start + $((margin / 1024)) MiB ($per_request bytes a request)"
  check eq "$name" "wrk errors (socket, non-2xx)" "" "$errors" 0 0
  ((requests > 0)) || soak_fail "$name" "wrk made no requests" "$wrk_log"
  check eq "$name" "exit status after SIGTERM" "" "$status" 0 0
}

# note_machine: the machine, versions and commit as the run starts (the tree may change while it runs), and the time.
note_machine() {
  declare -gA MACHINE=()
  local key value
  while IFS='=' read -r key value; do
    MACHINE[$key]=$value
  done < <(machine_info 2> /dev/null)
  SOAK_STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
}

# write_soak_report <file> <command>: the settings, the load, the samples and the checks, as markdown.
write_soak_report() {
  local file=$1 command=$2
  {
    echo "# Soak: uvnet hello and uvnet serve under ${SOAK_SECONDS} s of wrk load"
    echo
    echo "$SOAK_STARTED, Uvnet ${MACHINE[uvnet]}; ${MACHINE[cpus]} CPUs (${MACHINE[cpu_model]}),"
    echo "${MACHINE[kernel]}, .NET SDK ${MACHINE[dotnet]}, wrk ${MACHINE[wrk]}. Command: \`$command\`."
    echo
    echo "Each server ran \`--loops 1 --quiet --stats 1\` on 127.0.0.1, pinned to CPU $SERVER_CPU; wrk \`-t1\`"
    echo "\`-c$SOAK_CONNS\`, keep-alive, on CPU $LOAD_CPU, first ${SOAK_WARMUP_SECONDS} s to warm up, then ${SOAK_SECONDS} s measured. Samples: VmRSS;"
    echo "the entries of /proc/PID/fd, with the assembly files (\`*.dll\`, held by the runtime once loaded) counted apart;"
    echo "the handles and connections of the server's last \`stats\` line. Start and end are taken once a stats line shows"
    echo "no connection open. How it runs and why the bounds: [bench/README.md](../README.md#soak)."
    echo
    if ((SOAK_FAILURES == 0)); then
      echo "**Every bound held.**"
    else
      echo "**$SOAK_FAILURES bound(s) broken** (FAIL below)."
    fi
    echo
    echo "| target | load | served | per second | transfer/s | errors | load average |"
    echo "| --- | --- | --- | --- | --- | --- | --- |"
    printf '%s\n' "${LOAD_ROWS[@]}"
    echo
    echo "| target | sample | RSS | descriptors | assembly files | handles | connections |"
    echo "| --- | --- | --- | --- | --- | --- | --- |"
    printf '%s\n' "${SAMPLE_ROWS[@]}"
    echo
    echo "| target | check | start | end | bound | result |"
    echo "| --- | --- | --- | --- | --- | --- |"
    printf '%s\n' "${CHECK_ROWS[@]}"
  } > "$file"
}
