# h2load by request count. Its duration mode (-D) is buggy in nghttp2 1.52 (Debian 12's h2load), so every run here
# asks for a number of requests (-n) instead, sized from the rate the run before it measured on the same server, so
# that it lasts about the seconds asked for: figures stay comparable with the duration runs (the same seconds of
# load), and a slow peer's run is no longer than a fast one's. Sourced by lib/h2.sh (the h2 suite) and ab-h2.sh.

H2LOAD_FIRST_REQUESTS=20000 # a server's first run, sized before any rate is known (at least 64 connections x 100 streams)
H2LOAD_SLICE_SECONDS=2      # the warm-up runs in slices this long, each sized by the one before

# h2load_run <requests> <log> <bound seconds> <cpu> <streams> <url> [h2load options...]: one run, 64 connections on one
# thread pinned to <cpu>, <streams> each, killed after <bound> seconds.
h2load_run() {
  local requests=$1 log=$2 bound=$3 cpu=$4 streams=$5 url=$6
  shift 6
  timeout -k 5 "$bound" taskset -c "$cpu" h2load -t1 -c64 -m"$streams" -n"$requests" "$@" "$url" > "$log" 2>&1
}

# h2load_seconds <log>: the run's own duration ("finished in 8.94s" or "finished in 894.12ms"), in seconds.
h2load_seconds() {
  awk '/^finished in/ {t = $3; sub(",", "", t); if (t ~ /ms$/) {sub("ms", "", t); t /= 1000} else sub("s", "", t); print t}' "$1"
}

# h2load_rate <log>: the run's requests per second, rounded.
h2load_rate() {
  awk '/^finished in/ {gsub(",", ""); printf "%.0f", $4}' "$1"
}

# h2load_requests <rate> <seconds> <streams>: the requests <seconds> take at <rate>, at least what one round of the
# 64 connections' streams holds.
h2load_requests() {
  awk -v r="$1" -v s="$2" -v min=$((64 * $3)) 'BEGIN {n = int(r * s); print (n < min ? min : n)}'
}

# h2load_warm <seconds> <log> <cpu> <streams> <url> [options...]: runs slices of about H2LOAD_SLICE_SECONDS until
# <seconds> have passed (one at least); prints the last slice's rate, which sizes the measured run (h2load_for).
# Fails when a slice completes nothing.
h2load_warm() {
  local seconds=$1 log=$2 cpu=$3 streams=$4 deadline=$((SECONDS + $1)) requests=$H2LOAD_FIRST_REQUESTS rate
  shift 4
  while :; do
    h2load_run "$requests" "$log" $((H2LOAD_SLICE_SECONDS * 5 + 30)) "$cpu" "$streams" "$@"
    rate=$(h2load_rate "$log")
    [[ -n $rate && $rate != 0 ]] || return 1
    ((SECONDS < deadline)) || break
    requests=$(h2load_requests "$rate" "$H2LOAD_SLICE_SECONDS" "$streams")
  done
  echo "$rate"
}

# h2load_for <seconds> <rate> <log> <cpu> <streams> <url> [options...]: one run of about <seconds> at <rate> req/s;
# bounded at three times that (and 30 s), should the rate fall.
h2load_for() {
  local seconds=$1 rate=$2 log=$3 cpu=$4 streams=$5
  shift 5
  h2load_run "$(h2load_requests "$rate" "$seconds" "$streams")" "$log" $((3 * seconds + 30)) "$cpu" "$streams" "$@"
}
