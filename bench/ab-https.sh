#!/usr/bin/env bash
# A/B of two uvnet builds over HTTPS, as bench/ab-warm.sh is over HTTP: both servers (`uvnet hello --loops 1
# --cert --key`, CPU 0) started once and warmed, then measured in short alternating runs (A B, B A, ...) under wrk
# over TLS (64 connections, CPU 1). Prints, per pair, each server's CPU time per request as loop thread/whole process
# (the loop's from /proc/.../schedstat; the process's, every thread's including those that ended, from
# /proc/PID/stat in 10 ms ticks), wrk's p99 latency, and the ratio B/A of the whole process's; then the median ratio.
#   bench/ab-https.sh PAIRS SECONDS MODE old=/path/to/build new=/path/to/build     (MODE: keepalive | pipelined)
# A side written plain=/path/to/build runs that build over HTTP (no TLS), for the ratio to Uvnet's own plaintext;
# a side written nginx=- runs Debian's nginx (one worker, the same certificate, bench/lib/tls.sh's nginx.conf; its
# worker's CPU is both figures).
# ENV_A and ENV_B (e.g. "NAME=value NAME2=value") go into each side's environment: one build against itself.
# The certificates are bench/lib/tls.sh's, made in a temporary folder: ECDSA P-256, or RSA 2048 with KEY=rsa.
# Build each with `dotnet build -c Release src/Server -o DIR`. WARM (seconds, default 15) must outlast tiered JIT.
set -u
pairs=${1:?pairs}; dur=${2:?seconds}; mode=${3:?mode}; a=${4:?old=dir}; b=${5:?new=dir}
warm=${WARM:-15}; port=${PORT:-18800}
pipeline=$(cd "$(dirname "$0")" && pwd)/pipeline.lua
script=(); [ "$mode" = pipelined ] && script=(-s "$pipeline")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# shellcheck source=lib/tls.sh
source "$(cd "$(dirname "$0")" && pwd)/lib/tls.sh" # make_tls_files, nginx_conf
RAW_DIR=$tmp; mkdir -p "$RAW_DIR/logs"
make_tls_files || exit 1
key=${KEY:-ecdsa}; CERT=$TLS_DIR/$key.pem; KEYFILE=$TLS_DIR/$key.key
pids=()
scheme() { [ "${1%%=*}" = plain ] && echo http || echo https; }
start() { # spec port environment
  local dir=${1#*=} p=$2 tls=(--cert "$CERT" --key "$KEYFILE")
  if [ "${1%%=*}" = nginx ]; then
    timeout -k 5 $((warm * 2 + pairs * dur * 2 + 120)) taskset -c 0 nginx -c "$(nginx_conf $p "$key")" -p "$tmp" >/dev/null 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do curl -sk -o /dev/null "https://127.0.0.1:$p/plaintext" && break; sleep 0.1; done
    return
  fi
  [ "$(scheme "$1")" = http ] && tls=()
  # shellcheck disable=SC2086 # the environment is words
  timeout -k 5 $((warm * 2 + pairs * dur * 2 + 120)) env $3 taskset -c 0 dotnet "$dir/uvnet.dll" hello --port $p --loops 1 --quiet "${tls[@]}" >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do curl -sk -o /dev/null "$(scheme "$1")://127.0.0.1:$p/plaintext" && break; sleep 0.1; done
}
loop_tid() { for t in /proc/$1/task/*; do grep -q -E '^(uvnet loop|nginx)' $t/comm && basename $t; done | head -1; }
# Every thread's CPU, those that ended included (a thread's own schedstat goes with it): ticks of 10 ms, in ns.
process_ns() { sed 's/.*) //' /proc/$1/stat | awk '{printf "%.0f", ($12 + $13) * 10000000}'; }
server_pid() { local p; p=$(pgrep -P $1); [ -n "$(pgrep -P $p)" ] && p=$(pgrep -P $p); echo $p; } # nginx: its worker
load() { taskset -c 1 wrk -t1 -c64 -d${3}s --latency "${script[@]}" "$2://127.0.0.1:$1/plaintext" -- 16 2>/dev/null; }
measure() { # port server-pid scheme -> "process-ns requests p99 loop-ns"
  local tid ns0 ns1 p0 p1 out; tid=$(loop_tid $2)
  ns0=$(awk '{print $1}' /proc/$2/task/$tid/schedstat); p0=$(process_ns $2)
  out=$(load $1 $3 $dur)
  ns1=$(awk '{print $1}' /proc/$2/task/$tid/schedstat); p1=$(process_ns $2)
  echo "$((p1 - p0)) $(awk '/requests in/ {print $1}' <<< "$out") $(awk '$1 == "99%" {print $2}' <<< "$out") $((ns1 - ns0))"
}
pa=$((port + 1)); pb=$((port + 2)); ka=$(scheme "$a"); kb=$(scheme "$b")
start "$a" $pa "${ENV_A:-}"; start "$b" $pb "${ENV_B:-}"
sa=$(server_pid ${pids[0]}); sb=$(server_pid ${pids[1]})
load $pa $ka $warm >/dev/null; load $pb $kb $warm >/dev/null; load $pa $ka 3 >/dev/null; load $pb $kb 3 >/dev/null
ratios=()
for i in $(seq $pairs); do
  if (( i % 2 )); then ra=$(measure $pa $sa $ka); rb=$(measure $pb $sb $kb); else rb=$(measure $pb $sb $kb); ra=$(measure $pa $sa $ka); fi
  line=$(awk -v a="$ra" -v b="$rb" 'BEGIN{split(a,x," ");split(b,y," ");na=x[1]/x[2];nb=y[1]/y[2];printf "%.0f %.0f %.4f %s %s %.0f %.0f %.0f %.0f", na, nb, nb/na, x[3], y[3], x[4]/x[2], y[4]/y[2], x[2], y[2]}')
  set -- $line; ratios+=($3)
  echo "$mode pair $i ${a%%=*}=$6/${1}ns/req(n=$8 p99 $4) ${b%%=*}=$7/${2}ns/req(n=$9 p99 $5) ratio=$3"
done
kill -TERM "${pids[@]}" 2>/dev/null; wait 2>/dev/null # timeout passes the signal on to the server
printf '%s\n' "${ratios[@]}" | sort -n | awk -v m="$mode" '{r[NR]=$1} END{printf "%s median ratio %.4f (min %.4f max %.4f, %d pairs)\n", m, (NR%2? r[(NR+1)/2] : (r[NR/2]+r[NR/2+1])/2), r[1], r[NR], NR}'
