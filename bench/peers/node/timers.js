'use strict';
// Million timers, after libuv's test/benchmark-million-timers.c, with setTimeout: --count timers, the
// timeout growing by 1 ms every 1000 timers; insert time, fire time, CPU and peak RSS.
const peer = require('./peer');

// libuv's benchmark: the timeout grows by 1 ms every this many timers.
const TIMERS_PER_MS = 1000;

module.exports = function timers(args) {
  peer.progress(`timers: ${args.count} timers`);
  let fired = 0;
  let beforeRun;
  const cpuBefore = peer.cpuMs();
  const beforeInsert = process.hrtime.bigint();
  const onTimer = () => {
    if (++fired < args.count) return;
    const afterRun = process.hrtime.bigint();
    peer.result({
      insert_ms: (Number(beforeRun - beforeInsert) / 1e6).toFixed(1),
      fire_ms: (Number(afterRun - beforeRun) / 1e6).toFixed(1),
      cpu_ms: (peer.cpuMs() - cpuBefore).toFixed(1),
      peak_rss_kb: peer.peakRssKb(),
    });
  };
  let timeout = 0;
  for (let i = 0; i < args.count; i++) {
    if (i % TIMERS_PER_MS === 0) timeout++;
    setTimeout(onTimer, timeout);
  }
  beforeRun = process.hrtime.bigint();
};
