#!/usr/bin/env bash
# A/B of two uvnet builds with both servers started once and warmed, then measured in many short alternating
# runs (A B A B ...), so the host's drifting CPU speed and each process's JIT luck weigh on both sides alike.
# `uvnet hello --loops 1` on CPU 0 under wrk (64 connections, or CONNS; CPU 1). Prints, per pair, each server's loop-thread
# CPU time per request (from /proc/.../schedstat, nanoseconds) and the ratio B/A; then the median ratio.
#   bench/ab-warm.sh PAIRS SECONDS MODE old=/path/to/build new=/path/to/build     (MODE: keepalive | pipelined)
# Build each with `dotnet build -c Release src/Server -o DIR`. WARM (seconds, default 15) must outlast tiered JIT.
set -u
pairs=${1:?pairs}; dur=${2:?seconds}; mode=${3:?mode}; a=${4:?old=dir}; b=${5:?new=dir}
warm=${WARM:-15}; port=${PORT:-18700}; conns=${CONNS:-64}
pipeline=$(cd "$(dirname "$0")" && pwd)/pipeline.lua
script=(); [ "$mode" = pipelined ] && script=(-s "$pipeline")
pids=()
start() {
  local dir=$1 p=$2
  timeout -k 5 $((warm * 2 + pairs * dur * 2 + 120)) taskset -c 0 dotnet "$dir/uvnet.dll" hello --port $p --loops 1 --quiet >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:$p/plaintext && break; sleep 0.1; done
}
loop_tid() { for t in /proc/$1/task/*; do grep -q '^uvnet loop' $t/comm && basename $t; done | head -1; }
load() { taskset -c 1 wrk -t1 -c$conns -d${2}s "${script[@]}" http://127.0.0.1:$1/plaintext -- 16 2>/dev/null; }
measure() { # port server-pid -> "ns requests"
  local tid ns0 ns1 out; tid=$(loop_tid $2)
  ns0=$(awk '{print $1}' /proc/$2/task/$tid/schedstat)
  out=$(load $1 $dur)
  ns1=$(awk '{print $1}' /proc/$2/task/$tid/schedstat)
  echo "$((ns1 - ns0)) $(awk '/requests in/ {print $1}' <<< "$out")"
}
pa=$((port + 1)); pb=$((port + 2))
start "${a#*=}" $pa; start "${b#*=}" $pb
sa=$(pgrep -P ${pids[0]}); sb=$(pgrep -P ${pids[1]})
load $pa $warm >/dev/null; load $pb $warm >/dev/null; load $pa 3 >/dev/null; load $pb 3 >/dev/null
ratios=()
for i in $(seq $pairs); do
  if (( i % 2 )); then ra=$(measure $pa $sa); rb=$(measure $pb $sb); else rb=$(measure $pb $sb); ra=$(measure $pa $sa); fi
  line=$(awk -v a="$ra" -v b="$rb" 'BEGIN{split(a,x," ");split(b,y," ");na=x[1]/x[2];nb=y[1]/y[2];printf "%.1f %.1f %.4f", na, nb, nb/na}')
  set -- $line; ratios+=($3)
  echo "$mode pair $i ${a%%=*}=${1}ns/req ${b%%=*}=${2}ns/req ratio=$3"
done
kill -TERM $sa $sb; wait 2>/dev/null
printf '%s\n' "${ratios[@]}" | sort -n | awk -v m="$mode" '{r[NR]=$1} END{printf "%s median ratio %.4f (min %.4f max %.4f, %d pairs)\n", m, (NR%2? r[(NR+1)/2] : (r[NR/2]+r[NR/2+1])/2), r[1], r[NR], NR}'
