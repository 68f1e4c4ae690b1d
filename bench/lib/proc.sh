# Starting, watching and stopping the processes a run measures: only the ones this script started,
# always by PID, always bounded by `timeout`.

CLK_TCK=$(getconf CLK_TCK)
# PIDs of the `timeout` wrappers still running, for the exit trap.
declare -A STARTED_PIDS=()

# start_pinned <cpu> <bound seconds> <log> <command...>: runs the command in the background under
# `timeout`, pinned to one CPU. Sets WRAPPER_PID (the `timeout`) and CHILD_PID (the command itself:
# taskset execs it, so its PID is the process that serves and allocates).
start_pinned() {
  local cpu=$1 bound=$2 log=$3
  shift 3
  timeout -k 5 "$bound" taskset -c "$cpu" "$@" > "$log" 2>&1 &
  WRAPPER_PID=$!
  STARTED_PIDS[$WRAPPER_PID]=1
  CHILD_PID=
  local i
  for i in $(seq 50); do
    CHILD_PID=$(cat "/proc/$WRAPPER_PID/task/$WRAPPER_PID/children" 2>/dev/null | awk '{print $1}')
    [[ -n $CHILD_PID ]] && return 0
    sleep 0.1
  done
  return 1
}

# wait_started <wrapper pid>: waits for a started command to end and reaps it; returns its exit status
# (`timeout` passes its child's on, or 124 when the bound cut it).
wait_started() {
  wait "$1" 2>/dev/null
  local status=$?
  unset "STARTED_PIDS[$1]"
  return $status
}

# stop_started <wrapper pid>: SIGTERM to the `timeout`, which passes it to its child; then reaps it and returns
# its exit status.
stop_started() {
  kill -TERM "$1" 2>/dev/null
  wait_started "$1"
}

# terminate_started <wrapper pid> <child pid>: SIGTERM to the command itself, once, as a service manager sends it
# (`timeout` passes a SIGTERM on twice, to its child and to its process group, and a second SIGTERM may mean "quit
# now"); then reaps it and returns its exit status.
terminate_started() {
  kill -TERM "$2" 2>/dev/null
  wait_started "$1"
}

stop_all_started() {
  local pid
  for pid in "${!STARTED_PIDS[@]}"; do
    stop_started "$pid"
  done
}

# wait_for_port <port> <pid> <seconds>: until the process listens on the port, the process died, or time ran out.
# The listener must be the process's own: another program that took the port in the meantime would otherwise be
# measured in its place while it fails to bind.
wait_for_port() {
  local port=$1 pid=$2 deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    kill -0 "$pid" 2>/dev/null || return 1
    [[ $(ss -Hltnp "sport = :$port" 2> /dev/null) == *"pid=$pid,"* ]] && return 0
    sleep 0.1
  done
  return 1
}

# User + system CPU time of a process (all its threads) in clock ticks, from /proc/<pid>/stat
# (fields 14 and 15; the text after the command name's closing parenthesis starts at field 3).
cpu_ticks() {
  sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}

ticks_to_seconds() {
  awk -v t="$1" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }'
}

# status_kb <pid> <VmRSS|VmHWM>
status_kb() {
  awk -v key="$2:" '$1 == key {print $2}' "/proc/$1/status"
}
