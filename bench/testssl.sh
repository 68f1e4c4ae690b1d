#!/usr/bin/env bash
# testssl.sh (Debian's package) against `uvnet serve --cert ... ` on 127.0.0.1, once per key type (ECDSA P-256 and
# RSA 2048, self-signed certificates made here with openssl), as issue 19 asks: no vulnerability, no protocol below
# TLS 1.2, no weak cipher. Writes bench/results/testssl.md (the summary: protocols, cipher categories, every finding
# rated above OK or INFO, and the checks) and keeps testssl's own JSON and log in bench/results/raw/testssl/
# (git-ignored). Exit 1 when a check fails.
#   bench/testssl.sh [--key ecdsa|rsa|both]
# Every process runs under `timeout` and talks only to 127.0.0.1; the server is stopped by PID.
set -uo pipefail

source "$(dirname "$0")/lib/common.sh"
source "$BENCH_DIR/lib/proc.sh"
source "$BENCH_DIR/lib/setup.sh"

keys=(ecdsa rsa)
case ${1:-} in
  '') ;;
  --key)
    case ${2:-} in
      ecdsa | rsa) keys=("$2") ;;
      both) ;;
      *) die "usage: bench/testssl.sh [--key ecdsa|rsa|both]" ;;
    esac
    ;;
  *) die "usage: bench/testssl.sh [--key ecdsa|rsa|both]" ;;
esac

OUT_DIR=$RAW_DIR/testssl
SUMMARY=$RESULTS_DIR/testssl.md
mkdir -p "$OUT_DIR" "$RAW_DIR/logs"
trap 'stop_all_started' EXIT
trap 'say "interrupted"; exit 130' INT TERM

if ! command -v testssl > /dev/null || ! command -v openssl > /dev/null || ! command -v ss > /dev/null; then
  say "installing testssl.sh, openssl and iproute2 with apt-get"
  sudo=
  ((EUID == 0)) || sudo=sudo
  $sudo apt-get update -qq && $sudo apt-get install -y -qq testssl.sh openssl iproute2 > /dev/null || die "could not install testssl.sh"
fi
command -v python3 > /dev/null || die "python3 is missing (it reads testssl's JSON)"

server_project=$(ls "$ROOT_DIR"/src/Server/*.csproj 2> /dev/null | head -n 1)
[[ -n $server_project ]] || die "src/Server does not exist"
say "building src/Server (Release)"
build_dotnet "$server_project" "$BUILD_DIR/uvnet-server"
server_dll=$(app_dll "$BUILD_DIR/uvnet-server")

www=$OUT_DIR/www
mkdir -p "$www"
echo '<!doctype html><title>uvnet</title>' > "$www/index.html"
subject=(-subj /CN=localhost -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' -days 365 -nodes)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -keyout "$OUT_DIR/ecdsa.key" -out "$OUT_DIR/ecdsa.pem" "${subject[@]}" > /dev/null 2>&1 &&
  openssl req -x509 -newkey rsa:2048 -keyout "$OUT_DIR/rsa.key" -out "$OUT_DIR/rsa.pem" "${subject[@]}" > /dev/null 2>&1 ||
  die "openssl could not make the certificates"

for key in "${keys[@]}"; do
  fresh_port
  port=$PORT
  say "== testssl against uvnet serve, $key certificate, https://127.0.0.1:$port/"
  if ! start_pinned "$SERVER_CPU" 1800 "$OUT_DIR/server-$key.log" dotnet "$server_dll" serve "$www" --loops 1 --quiet \
    --host 127.0.0.1 --port "$port" --cert "$OUT_DIR/$key.pem" --key "$OUT_DIR/$key.key" || ! wait_for_port "$port" "$CHILD_PID" 30; then
    show_log_tail "$OUT_DIR/server-$key.log"
    die "uvnet serve did not listen"
  fi
  server=$WRAPPER_PID
  rm -f "$OUT_DIR/$key.json"
  # -p protocols, -s cipher categories, -f forward secrecy, -P the server's preferences, -S defaults and certificate,
  # -E every cipher per protocol, -U every vulnerability, -h headers. Client simulation (the default run's -c) is
  # left out: it names browsers, not weaknesses, and takes longest.
  timeout -k 10 1500 taskset -c "$LOAD_CPU" testssl --quiet --color 0 --warnings off --ip 127.0.0.1 \
    -p -s -f -P -S -E -U -h --jsonfile "$OUT_DIR/$key.json" "https://127.0.0.1:$port/" > "$OUT_DIR/$key.log" 2>&1
  status=$?
  stop_started "$server"
  [[ -f $OUT_DIR/$key.json ]] || { show_log_tail "$OUT_DIR/$key.log"; die "testssl wrote no JSON (exit $status)"; }
done

python3 - "$SUMMARY" "$OUT_DIR" "$(dpkg-query -W -f '${Version}' testssl.sh 2> /dev/null)" \
  "$(openssl version)" "$(git -C "$ROOT_DIR" rev-parse --short HEAD 2>/dev/null)" "${keys[@]}" << 'PY'
import json, sys, datetime

summary, out_dir, testssl_version, openssl_version, commit, *keys = sys.argv[1:]
WEAK_PROTOCOLS = ['SSLv2', 'SSLv3', 'TLS1', 'TLS1_1']
# testssl's ids of the weak cipher categories (-s): each must be "not offered".
WEAK_CIPHERS = ['cipherlist_NULL', 'cipherlist_aNULL', 'cipherlist_EXPORT', 'cipherlist_LOW', 'cipherlist_3DES_IDEA',
                'cipherlist_AVERAGE']  # AVERAGE: testssl 3.0's "Obsolete CBC ciphers"
RATED = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']  # severities of a finding that is a weakness (WARN: testssl could not tell)
failed = False
md = ['# testssl.sh against `uvnet serve --cert`', '',
      f'Written by `bench/testssl.sh` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC: testssl.sh '
      f'{testssl_version} (Debian), {openssl_version}, Uvnet {commit}, on 127.0.0.1 (`-p -s -f -P -S -E -U -h`: protocols, '
      'cipher categories, forward secrecy, preferences, defaults, every cipher per protocol, vulnerabilities, headers). '
      "testssl's JSON and log are in bench/results/raw/testssl/ after a run.", '']
for key in keys:
    findings = json.load(open(f'{out_dir}/{key}.json'))
    by_id = {f['id']: f for f in findings}
    md += [f'## {"ECDSA P-256" if key == "ecdsa" else "RSA 2048"} certificate', '']
    checks = []
    for p in WEAK_PROTOCOLS:
        f = by_id.get(p, {'finding': 'not reported'})
        checks.append((f'{p} not offered', f['finding'].startswith('not offered'), f['finding']))
    for p in ['TLS1_2', 'TLS1_3']:
        f = by_id.get(p, {'finding': 'not reported'})
        checks.append((f'{p} offered', f['finding'].startswith('offered'), f['finding']))
    for c in WEAK_CIPHERS:
        f = by_id.get(c, {'finding': 'not reported'})
        checks.append((f'{c[len("cipherlist_"):]} ciphers not offered', f['finding'].startswith('not offered'), f['finding']))
    f = by_id.get('cipher_order', {'finding': 'not reported', 'severity': ''})
    checks.append(('the server chooses the cipher', f['severity'] == 'OK', f['finding']))
    # Findings rated as weaknesses, two kinds apart: the certificate's (self-signed, made here: no chain of trust, no
    # CRL or OCSP, no CAA record), which say nothing of the TLS settings, and HSTS, an HTTP header whose use is the
    # deployment's choice (uvnet does not send it by itself: on localhost it would pin every port of the name to HTTPS
    # in the browser). Both are listed below.
    def apart(f):
        return f['id'].startswith(('cert_', 'OCSP', 'DNS_CAArecord')) or f['id'] == 'HSTS'
    rated = [f for f in findings if f.get('severity') in RATED]
    weaknesses = [f for f in rated if not apart(f)]
    checks.append(('no finding rated LOW or worse (the certificate and HSTS apart)', not weaknesses,
                   ', '.join(f"{f['id']} ({f['severity']}: {f['finding']})" for f in weaknesses) or 'none'))
    vulnerabilities = [f for f in findings if f['id'] in (
        'heartbleed', 'CCS', 'ticketbleed', 'ROBOT', 'secure_renego', 'secure_client_renego', 'CRIME_TLS', 'BREACH',
        'POODLE_SSL', 'fallback_SCSV', 'SWEET32', 'FREAK', 'DROWN', 'LOGJAM', 'BEAST', 'LUCKY13', 'RC4', 'winshock')]
    md += ['| check | result | testssl says |', '| --- | --- | --- |']
    for name, ok, finding in checks:
        failed |= not ok
        md.append(f'| {name} | {"pass" if ok else "**FAIL**"} | {finding} |')
    md += ['', '| vulnerability | severity | finding |', '| --- | --- | --- |']
    md += [f"| {f['id']} | {f['severity']} | {f['finding']} |" for f in vulnerabilities]
    offered = [f for f in findings if f['id'].startswith('cipher-tls') or f['id'].startswith('cipher_x')]
    md += ['', 'Ciphers offered (`-E`):', '']
    md += [f"- {f['finding']}" for f in offered] or ['- (none listed)']
    if rated:
        md += ['', 'Every finding rated LOW or worse (the self-signed certificate\'s and HSTS included):', '']
        md += [f"- `{f['id']}` {f['severity']}: {f['finding']}" for f in rated]
    md.append('')
md.insert(2, ('**All checks pass.**' if not failed else '**Some checks FAIL** (below).') + '\n')
open(summary, 'w').write('\n'.join(md))
sys.exit(1 if failed else 0)
PY
status=$?
say "summary: ${SUMMARY#"$ROOT_DIR"/}$( ((status != 0)) && echo ' (some checks FAIL)')"
exit $status
