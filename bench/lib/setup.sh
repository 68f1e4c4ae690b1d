# What the harness needs before it measures: tools from Debian, every peer built in Release, and the
# machine and versions the report names.

# wrk, libuv1-dev and ss (iproute2: which process listens on a port) come from Debian, nginx and openssl for the
# tls suite, nginx and HAProxy for the proxy suite, h2load (nghttp2-client), nginx and openssl for the h2 suite; the
# rest (gcc, node, dotnet,
# taskset) must already be there. ensure_tools <suite...>: the suites about to run.
ensure_tools() {
  local missing=()
  command -v wrk > /dev/null || missing+=(wrk)
  [[ -f /usr/include/uv.h ]] || missing+=(libuv1-dev)
  command -v ss > /dev/null || missing+=(iproute2)
  if [[ " $* " == *" tls "* || " $* " == *" proxy "* || " $* " == *" h2 "* ]]; then
    # Debian's nginx package starts its own service (port 80) where services run; the bench never uses it: it
    # runs nginx with a configuration of its own per run, on its own ports.
    command -v nginx > /dev/null || missing+=(nginx)
  fi
  [[ " $* " == *" tls "* || " $* " == *" h2 "* ]] && ! command -v openssl > /dev/null && missing+=(openssl)
  [[ " $* " == *" h2 "* ]] && ! command -v h2load > /dev/null && missing+=(nghttp2-client)
  [[ " $* " == *" proxy "* ]] && ! command -v haproxy > /dev/null && missing+=(haproxy)
  if ((${#missing[@]} > 0)); then
    say "installing ${missing[*]} with apt-get"
    local sudo=
    ((EUID == 0)) || sudo=sudo
    $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" > /dev/null ||
      die "could not install ${missing[*]}"
  fi
  local tool
  for tool in gcc make node dotnet taskset timeout; do
    command -v "$tool" > /dev/null || die "$tool is missing"
  done
  (($(nproc) >= 2)) || say "warning: one CPU only: server and load generator will share it"
}

build_dotnet() {
  local project=$1 output=$2
  dotnet build "$project" -c Release -o "$output" --nologo -v quiet -clp:NoSummary > "$RAW_DIR/logs/build-$(basename "$output").log" 2>&1 ||
    { show_log_tail "$RAW_DIR/logs/build-$(basename "$output").log"; die "building $project failed"; }
}

# The assembly a `dotnet <dll>` command runs: the one with a runtimeconfig.json next to it.
app_dll() {
  local config
  config=$(ls "$1"/*.runtimeconfig.json 2>/dev/null | head -n 1)
  [[ -n $config ]] && echo "${config%.runtimeconfig.json}.dll"
}

build_peers() {
  mkdir -p "$BUILD_DIR" "$RAW_DIR/logs"
  say "building the peers (Release) into ${BUILD_DIR#"$ROOT_DIR"/}"
  make -s -C "$BENCH_DIR/peers/libuv" > "$RAW_DIR/logs/build-libuv.log" 2>&1 ||
    { show_log_tail "$RAW_DIR/logs/build-libuv.log"; die "building the libuv peers failed"; }
  build_dotnet "$BENCH_DIR/peers/dotnet/DotnetPeer.csproj" "$BUILD_DIR/dotnet"
  build_dotnet "$BENCH_DIR/peers/uvnet/UvnetPeer.csproj" "$BUILD_DIR/uvnet"
  build_dotnet "$BENCH_DIR/peers/kestrel/KestrelPeer.csproj" "$BUILD_DIR/kestrel"
  build_dotnet "$BENCH_DIR/peers/clients/ClientPeers.csproj" "$BUILD_DIR/clients"
  # undici, for the client suite, in a folder of the bench's own (not the repository's node_modules).
  UNDICI_PATH=$BUILD_DIR/undici/node_modules/undici
  [[ -d $UNDICI_PATH ]] || npm install --prefix "$BUILD_DIR/undici" --no-audit --no-fund --silent undici > "$RAW_DIR/logs/build-undici.log" 2>&1 ||
    { show_log_tail "$RAW_DIR/logs/build-undici.log"; die "installing undici with npm failed"; }
  build_dotnet "$BENCH_DIR/Report/Report.csproj" "$BUILD_DIR/report"
  # `uvnet hello` joins the HTTP peers once src/Server exists.
  UVNET_SERVER_DLL=
  local server_project
  server_project=$(ls "$ROOT_DIR"/src/Server/*.csproj 2>/dev/null | head -n 1)
  if [[ -n $server_project ]]; then
    build_dotnet "$server_project" "$BUILD_DIR/uvnet-server"
    UVNET_SERVER_DLL=$(app_dll "$BUILD_DIR/uvnet-server")
  fi
}

# machine.env: what the report says about where and with what it ran.
write_machine_info() {
  machine_info > "$RAW_DIR/machine.env"
}

# key=value lines: the machine, its tools' versions, and Uvnet's commit (+changes when the tree differs from it).
machine_info() {
  echo "cpus=$(nproc)"
  echo "cpu_model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "kernel=$(uname -sr)"
  echo "os=$(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "dotnet=$(dotnet --version)"
  echo "aspnetcore=$(dotnet --list-runtimes | awk '/Microsoft.AspNetCore.App/ {v=$2} END {print v}')"
  echo "node=$(node --version)"
  echo "undici=$(node -p "require('$BUILD_DIR/undici/node_modules/undici/package.json').version" 2>/dev/null)"
  echo "libuv=$(dpkg-query -W -f '${Version}' libuv1-dev 2>/dev/null)"
  echo "wrk=$(wrk -v 2>&1 | awk 'NR == 1 {print $2}')"
  echo "h2load=$(h2load --version 2>/dev/null | sed -n 's|.*nghttp2/||p' | head -n 1)"
  echo "nginx=$(nginx -v 2>&1 | sed -n 's|.*nginx/||p')"
  echo "openssl=$(openssl version 2>/dev/null | awk '{print $2}')"
  echo "gcc=$(gcc -dumpfullversion)"
  echo "loadavg=$(cut -d ' ' -f 1-3 /proc/loadavg)" # other work on the machine: figures from a loaded one move more
  echo "uvnet=$(git -C "$ROOT_DIR" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT_DIR" diff --quiet HEAD 2>/dev/null || echo '+changes')"
}
