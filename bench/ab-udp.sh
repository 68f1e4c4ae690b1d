#!/usr/bin/env bash
# A/B of UDP peers (builds of the Uvnet reactor peer, or the libuv one beside them), interleaved A B A B, pinned to CPU 0.
#   bench/ab-udp.sh PAIRS SIZE SECONDS name=command ...
#   e.g. bench/ab-udp.sh 5 1200 5 old=DIR1/Uvnet.Bench.UvnetPeer new=DIR2/Uvnet.Bench.UvnetPeer libuv=bench/peers/build/libuv-reactor
# WORKLOAD=udp-echo (default) or udp-burst (Uvnet only); CONNS=16 by default. Per run: datagrams per second (wall) and
# datagrams per CPU second (their count over the process's CPU time, so that the share of CPU 0 other processes take
# counts less on a shared machine). That CPU time is the peer's own figure over the measured window (cpu_ms= in its
# RESULT line) unless CPU=process, or the peer has none: then the whole process's task-clock from `perf stat`, which
# counts a runtime's start-up too (for .NET 0.1 to 0.3 s of CPU, most of what a 5 s run gets of a loaded CPU). Prints
# the median of each and the median of the per-pair ratios to the first peer.
set -u
pairs=${1:?pairs}; size=${2:?size}; secs=${3:?seconds}; shift 3
[ $# -ge 2 ] || { echo "name=command for at least two peers" >&2; exit 2; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for ((r = 0; r < pairs; r++)); do
  for spec in "$@"; do
    stat=$(mktemp)
    result=$(timeout -k 5 $((secs + 60)) perf stat -x, -e task-clock -o "$stat" taskset -c 0 ${spec#*=} "${WORKLOAD:-udp-echo}" \
      --conns "${CONNS:-16}" --size "$size" --seconds "$secs" 2>/dev/null | grep '^RESULT')
    rate=$(sed -n 's/.*datagrams_per_sec=\([0-9]*\).*/\1/p' <<< "$result")
    cpu=$(sed -n 's/.*cpu_ms=\([0-9.]*\).*/\1/p' <<< "$result") counted="in the window"
    [[ ${CPU:-window} == window && -n $cpu ]] || cpu=$(grep task-clock "$stat" | cut -d, -f1) counted="in the process"
    rm -f "$stat"
    echo "pair $r ${spec%%=*}: ${rate:-failed} datagrams/s, ${cpu:-?} ms CPU $counted" >&2
    [[ -n $rate && -n $cpu ]] && echo "$r ${spec%%=*} $rate $cpu" >> "$out"
  done
done
python3 - "$out" "$secs" <<'P'
import collections, statistics, sys
secs = float(sys.argv[2]); names = []; runs = collections.defaultdict(dict)
for pair, name, rate, cpu in (line.split() for line in open(sys.argv[1])):
    names += [name] if name not in names else []
    runs[name][pair] = (float(rate), float(rate) * secs / (float(cpu) / 1000))
base = names[0]
for name in names:
    pairs = [p for p in runs[name] if p in runs[base]]
    wall = statistics.median(runs[name][p][0] for p in pairs)
    cpu = statistics.median(runs[name][p][1] for p in pairs)
    wall_ratio = statistics.median(runs[name][p][0] / runs[base][p][0] for p in pairs)
    cpu_ratios = [runs[name][p][1] / runs[base][p][1] for p in pairs]
    print(f"{name:10s} {wall:9.0f}/s (x{wall_ratio:.3f})  {cpu:9.0f} per CPU s (x{statistics.median(cpu_ratios):.3f}; pairs {[round(x, 2) for x in cpu_ratios]})")
P
