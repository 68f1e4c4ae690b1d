#!/usr/bin/env bash
# A/B of two or more builds of the Uvnet reactor peer (libuv's workloads), interleaved, pinned to CPU 0.
#   bench/ab-reactor.sh ROUNDS SECONDS old=/path/to/peer-build new=/path/to/other-build
# Build each with `dotnet build -c Release bench/peers/uvnet -o DIR`.
set -u
rounds=${1:?rounds}; secs=${2:?seconds}; shift 2; builds=("$@")
[ ${#builds[@]} -ge 2 ] || { echo "name=dir for at least two builds" >&2; exit 2; }
for _ in $(seq $rounds); do
  for w in "pingpong --conns 1" "pingpong --conns 16" "pump-up --conns 1" "pump-down --conns 1" "timers --count 1000000"; do
    for b in "${builds[@]}"; do
      args="$w"; [[ $w != timers* ]] && args="$w --seconds $secs"
      echo "$w | ${b%%=*} | $(timeout -k 5 $((secs + 60)) taskset -c 0 dotnet "${b#*=}/Uvnet.Bench.UvnetPeer.dll" $args 2>/dev/null | grep RESULT)"
    done
  done
done
