'use strict';
// The Node peer for the reactor workloads (net, timers, setImmediate): everything runs on Node's
// one event loop, client and server in the same process.
const peer = require('./peer');

const args = peer.parseArgs(process.argv.slice(2));
const workloads = {
  pingpong: () => require('./pingpong')(args),
  'pump-up': () => require('./pump')(args, true),
  'pump-down': () => require('./pump')(args, false),
  timers: () => require('./timers')(args),
  loopcount: () => require('./loopcount')(args),
  'udp-echo': () => require('./udpecho')(args),
};

const run = workloads[args.workload];
if (run) run();
else process.stdout.write('UNSUPPORTED\n');
