'use strict';
// The CLI contract every reactor peer follows (see bench/README.md):
//   <peer> <workload> [--conns N] [--seconds S] [--count N] [--size B]
// progress on stderr, exactly one "RESULT key=value ..." line on stdout.
const fs = require('fs');

// Defaults shared by every peer: libuv's ping-pong runs 5 s, and the issue asks for a million timers;
// udp-echo's datagrams are 64 B (a small message: DNS, StatsD), at most a full 65,507 B datagram.
const DEFAULTS = { conns: 1, seconds: 5, count: 1000000, size: 64 };
const MAX_SIZE = 65507;

function parseArgs(argv) {
  const args = { workload: undefined, ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i].startsWith('--') ? argv[i].slice(2) : undefined;
    if (flag === undefined && args.workload === undefined) args.workload = argv[i];
    else if (flag in DEFAULTS && i + 1 < argv.length) args[flag] = Number(argv[++i]);
    else usage();
  }
  if (!args.workload || !(args.conns >= 1 && args.seconds >= 1 && args.count >= 1 && args.size >= 1 && args.size <= MAX_SIZE)) usage();
  return args;
}

function usage() {
  process.stderr.write('usage: reactor.js <pingpong|pump-up|pump-down|timers|loopcount|udp-echo> [--conns N] [--seconds S] [--count N] [--size B]\n');
  process.exit(2);
}

function result(fields) {
  const text = Object.entries(fields).map(([k, v]) => `${k}=${v}`).join(' ');
  process.stdout.write(`RESULT ${text}\n`);
}

function progress(text) {
  process.stderr.write(`${text}\n`);
}

// VmHWM from /proc, in KiB: the same source the other peers read.
function peakRssKb() {
  const match = /VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return Number(match[1]);
}

function cpuMs() {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function seconds(startNs) {
  return Number(process.hrtime.bigint() - startNs) / 1e9;
}

module.exports = { parseArgs, result, progress, peakRssKb, cpuMs, seconds };
