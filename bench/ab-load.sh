#!/usr/bin/env bash
# A/B of two or more builds of `uvnet load`, interleaved, against one `uvnet hello --loops 1` server on CPU 0 (the
# server is the first build's), the load generator on CPU 1, with wrk -t1 in the same rounds for the uvnet-load/wrk
# ratio. Prints requests/s, the load process's CPU time per request (user + system, startup and JIT included) and its
# loop thread's ("uvnet load 0", sampled every 0.2 s until it exits: without the runtime's JIT and GC threads).
#   bench/ab-load.sh ROUNDS SECONDS old=/path/to/uvnet-build new=/path/to/other-build
# MODE=pipelined (default; 16 deep, bench/pipeline.lua for wrk) or keepalive. SERVER=libuv loads the libuv
# canned-response server (bench/peers/build/http-ceiling, `make -C bench/peers/libuv`: the load suite's) instead.
# LOAD_ARGS are added to every `uvnet load` (as --warmup 1s: its requests/s is then of the measured part only, and
# wrk's of its whole run; the CPU per request includes the warm-up's requests). A build may be given as
# name=dir@VAR=value,--option=value,... to run it with those environment variables (runtime knobs:
# DOTNET_TieredPGO=0) and load options of its own (--warmup=0): one build twice, with and without.
# Build each with `dotnet build -c Release src/Server -o DIR`.
set -u
rounds=${1:?rounds}; dur=${2:?seconds}; shift 2; builds=("$@")
[ ${#builds[@]} -ge 2 ] || { echo "name=dir for at least two builds" >&2; exit 2; }
mode=${MODE:-pipelined}; port=${PORT:-18700}; warm=${WARM:-8}
pipeline=$(cd "$(dirname "$0")" && pwd)/pipeline.lua
first=${builds[0]#*=}
first=${first%%@*}
bound=$((warm + rounds * (${#builds[@]} + 1) * (dur + 15) + 30))
if [ "${SERVER:-uvnet}" = libuv ]; then
  timeout -k 5 $bound taskset -c 0 "$(cd "$(dirname "$0")" && pwd)/peers/build/http-ceiling" --port $port >/dev/null 2>&1 &
else
  timeout -k 5 $bound taskset -c 0 dotnet "$first/uvnet.dll" hello --port $port --loops 1 --quiet >/dev/null 2>&1 &
fi
pid=$!
for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:$port/plaintext && break; sleep 0.1; done
url=http://127.0.0.1:$port/plaintext
wrkargs=(); loadargs=(${LOAD_ARGS:-}); [ $mode = pipelined ] && { wrkargs=(-s "$pipeline"); loadargs+=(--pipeline 16); }
taskset -c 1 wrk -t1 -c64 -d${warm}s "${wrkargs[@]}" $url -- 16 >/dev/null 2>&1 # the server's JIT settles
for _ in $(seq $rounds); do
  out=$(taskset -c 1 wrk -t1 -c64 -d${dur}s "${wrkargs[@]}" $url -- 16 2>/dev/null)
  echo "$mode wrk rps=$(awk '/Requests\/sec/ {print $2}' <<< "$out")"
  for b in "${builds[@]}"; do
    spec=${b#*=}; extras=(); envs=(); args=()
    [[ $spec == *@* ]] && IFS=, read -ra extras <<< "${spec#*@}"
    for x in "${extras[@]}"; do if [[ $x == --* ]]; then args+=("$x"); else envs+=("$x"); fi; done
    /usr/bin/time -o /tmp/ab-load.$$.time -f 'cpu %U %S' env "${envs[@]}" taskset -c 1 dotnet "${spec%%@*}/uvnet.dll" load $url -c 64 -d ${dur}s "${loadargs[@]}" "${args[@]}" >/tmp/ab-load.$$.out 2>&1 &
    lp=$!; loop=0
    while kill -0 $lp 2>/dev/null; do
      for t in $(pgrep -P $lp 2>/dev/null) ; do
        for task in /proc/$t/task/*; do grep -q '^uvnet load' $task/comm 2>/dev/null && loop=$(sed 's/.*) //' $task/stat 2>/dev/null | awk '{print $12+$13}') ; done
      done
      sleep 0.2
    done
    wait $lp
    out=$(cat /tmp/ab-load.$$.out /tmp/ab-load.$$.time)
    n=$(awk '/ responses,/ {print $1}' <<< "$out")
    rps=$(awk '/ responses,/ {print $3}' <<< "$out")
    cpu=$(awk '/^cpu / {print $2+$3}' <<< "$out")
    echo "$mode ${b%%=*} rps=$rps us_cpu_per_req=$(awk -v c=$cpu -v n=$n 'BEGIN{printf "%.2f", c*1000000/n}')" \
      "loop_thread=$(awk -v c=$loop -v n=$n 'BEGIN{printf "%.2f", c*10000/n}')"
  done
done
rm -f /tmp/ab-load.$$.out /tmp/ab-load.$$.time
kill -TERM $(pgrep -P $pid) 2>/dev/null; wait $pid 2>/dev/null
