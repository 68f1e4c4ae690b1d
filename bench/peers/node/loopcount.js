'use strict';
// Loop count, after libuv's test/benchmark-loop-count.c (loop_count_timed): setImmediate queued from a
// setImmediate callback runs in the next loop iteration, so each callback counts one iteration.
const peer = require('./peer');

module.exports = function loopcount(args) {
  peer.progress(`loopcount: ${args.seconds} s`);
  let ticks = 0;
  let stopping = false;
  const start = process.hrtime.bigint();
  const tick = () => {
    ticks++;
    if (!stopping) setImmediate(tick);
  };
  setTimeout(() => {
    stopping = true;
    peer.result({ iterations_per_sec: Math.round(ticks / peer.seconds(start)) });
  }, args.seconds * 1000);
  setImmediate(tick);
};
