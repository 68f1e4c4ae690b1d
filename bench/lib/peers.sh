# The peers each suite compares, in the order they run within a round; the first is the reference.
# A reactor peer command gets "<workload> [--conns N] [--seconds S] [--count N]" appended; an HTTP
# peer command gets "--port P".

# How the harness starts `uvnet hello`; adjust here if src/Server's command line differs.
UVNET_HELLO_ARGS=(hello --loops 1 --quiet)

define_peers() {
  local dotnet_peer=$BUILD_DIR/dotnet/Uvnet.Bench.DotnetPeer.dll
  REACTOR_PEERS=(libuv node dotnet-async dotnet-saea dotnet-timer uvnet)
  declare -gA REACTOR_COMMAND=(
    [libuv]="$BUILD_DIR/libuv-reactor"
    [node]="node $BENCH_DIR/peers/node/reactor.js"
    [dotnet-async]="dotnet $dotnet_peer async"
    [dotnet-saea]="dotnet $dotnet_peer saea"
    [dotnet-timer]="dotnet $dotnet_peer timer"
    [uvnet]="dotnet $BUILD_DIR/uvnet/Uvnet.Bench.UvnetPeer.dll"
  )

  # The UDP suite's peers: the reactor peers that have UDP (the same commands).
  UDP_PEERS=(libuv node uvnet)

  # Client peers get "<keepalive|pipelined> --port P --conns N --seconds S --warmup W" appended.
  local clients=$BUILD_DIR/clients/Uvnet.Bench.ClientPeers.dll
  CLIENT_PEERS=(dotnet-httpclient node-agent undici uvnet-client)
  declare -gA CLIENT_COMMAND=(
    [dotnet-httpclient]="dotnet $clients httpclient"
    [node-agent]="node $BENCH_DIR/peers/node/client.js agent"
    [undici]="node $BENCH_DIR/peers/node/client.js undici"
    [uvnet-client]="dotnet $clients uvnet"
  )

  HTTP_PEERS=(kestrel libuv-ceiling node)
  declare -gA HTTP_COMMAND=(
    [kestrel]="dotnet $BUILD_DIR/kestrel/Uvnet.Bench.KestrelPeer.dll"
    [libuv-ceiling]="$BUILD_DIR/http-ceiling"
    [node]="node $BENCH_DIR/peers/node/http.js"
  )
  # The tls suite's peers (bench/lib/tls.sh starts each with the run's certificate); nginx is the reference.
  TLS_PEERS=(nginx node kestrel)
  # The h2 suite's peers (bench/lib/h2.sh starts each); Kestrel is the reference, uvnet-http1 Uvnet's own HTTP/1.1.
  H2_PEERS=(kestrel nginx node)
  # The load suite's peers (issue 24): wrk -t1 is the reference uvnet load is held to; the client suite's harness
  # runs them, so their commands are client commands.
  LOAD_PEERS=(wrk)
  CLIENT_COMMAND[wrk]="$BENCH_DIR/peers/load-client.sh wrk"
  if [[ -n ${UVNET_SERVER_DLL:-} ]]; then
    HTTP_PEERS+=(uvnet)
    TLS_PEERS+=(uvnet)
    H2_PEERS+=(uvnet uvnet-http1)
    HTTP_COMMAND[uvnet]="dotnet $UVNET_SERVER_DLL ${UVNET_HELLO_ARGS[*]}"
    LOAD_PEERS+=(uvnet-load)
    CLIENT_COMMAND[uvnet-load]="$BENCH_DIR/peers/load-client.sh $UVNET_SERVER_DLL"
    # The load generators among the client suite's peers too, only with --load-generators: they add two peers' runs
    # to every round.
    [[ -n ${BENCH_LOAD_GENERATORS:-} ]] && CLIENT_PEERS+=(uvnet-load wrk)
  else
    say "note: src/Server does not exist yet: the HTTP and memory suites run without uvnet"
  fi
}
