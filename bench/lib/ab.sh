# What the ab-*.sh scripts share (A/B runs of uvnet builds, interleaved, one server at a time pinned to CPU 0): waiting
# for a server, finding it under its timeout wrapper, wrk's two modes, and the server's CPU per request measured
# around a load run, split into the loop thread and the runtime's other threads.

AB_PIPELINE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/pipeline.lua

# ab_cpu <pid>: user + system clock ticks (10 ms) of a process.
ab_cpu() { awk '{print $14+$15}' /proc/$1/stat; }

# ab_loop_cpu <pid>: the same for its threads named "uvnet loop...", or for its one thread (a C peer's loop).
ab_loop_cpu() {
  local tasks=(/proc/$1/task/*)
  for t in "${tasks[@]}"; do
    { ((${#tasks[@]} == 1)) || grep -q '^uvnet loop' $t/comm; } && sed 's/.*) //' $t/stat | awk '{s+=$12+$13} END{print s}'
  done |
    awk '{s+=$1} END{print s+0}'
}

# ab_per_request <ticks> <requests>: microseconds per request.
ab_per_request() { awk -v c=$1 -v n=$2 'BEGIN{printf "%.2f", c*1000000/100/n}'; }

# ab_wait_for <url> [curl options...]: until the url answers, 10 s at most.
ab_wait_for() {
  local url=$1
  shift
  for _ in $(seq 100); do curl -s "$@" -o /dev/null "$url" && break; sleep 0.1; done
}

# ab_server_of <pid>: the server started as `timeout ... taskset ... server` in the background ($! is timeout's pid;
# taskset execs the server).
ab_server_of() { pgrep -P $1; }

# ab_wrk <keepalive|pipelined> <seconds> <url>: wrk, one thread on CPU 1, 64 connections; pipelined 16 deep.
ab_wrk() {
  local script=()
  [ $1 = pipelined ] && script=(-s "$AB_PIPELINE")
  taskset -c 1 wrk -t1 -c${CONNS:-64} -d$2s "${script[@]}" "$3" -- 16
}

# ab_measure <server pid> <command...>: runs the command (its output in AB_OUT, its errors dropped) and sets AB_TICKS and
# AB_LOOP_TICKS, the server's CPU ticks during it, all threads and the loop's.
ab_measure() {
  local server=$1 c0 l0
  shift
  c0=$(ab_cpu $server); l0=$(ab_loop_cpu $server)
  AB_OUT=$("$@" 2>/dev/null)
  AB_TICKS=$(($(ab_cpu $server) - c0)); AB_LOOP_TICKS=$(($(ab_loop_cpu $server) - l0))
}

# ab_cpu_words <requests>: the last ab_measure's CPU per request, as the scripts print it.
ab_cpu_words() {
  echo "us_cpu_per_req=$(ab_per_request $AB_TICKS $1) loop_thread=$(ab_per_request $AB_LOOP_TICKS $1)" \
    "other_threads=$(ab_per_request $((AB_TICKS - AB_LOOP_TICKS)) $1)"
}
