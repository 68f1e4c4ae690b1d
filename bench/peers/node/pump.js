'use strict';
// Pump, after libuv's test/benchmark-pump.c, with both ends in one process: one side writes 64 KiB
// chunks (one write in flight per connection, the next started from the write callback, as libuv's
// benchmark does), the other reads and counts. pump-up: the clients write; pump-down: the server writes.
const peer = require('./peer');
const { connectPairs, closeAll } = require('./loopback');

// The chunk size.
const CHUNK = Buffer.alloc(65536, 'x');

module.exports = function pump(args, up) {
  let received = 0;
  let firstByte;
  let stopping = false;

  connectPairs(args.conns, (clients, accepted, server) => {
    peer.progress(`pump: ${args.conns} connection(s), ${up ? 'clients write' : 'server writes'}`);
    const writers = up ? clients : accepted;
    const sinks = up ? accepted : clients;
    for (const sink of sinks) {
      sink.on('data', (data) => {
        if (firstByte === undefined) firstByte = process.hrtime.bigint();
        received += data.length;
      });
    }
    for (const writer of writers) {
      const writeNext = (err) => {
        if (!err && !stopping) writer.write(CHUNK, writeNext);
      };
      writer.on('error', () => {}); // the stop destroys sockets with writes in flight
      writeNext();
    }
    setTimeout(() => {
      stopping = true;
      const rate = firstByte === undefined ? 0 : received / peer.seconds(firstByte);
      closeAll(server, [...clients, ...accepted]);
      peer.result({ bytes_per_sec: Math.round(rate), conns: args.conns });
    }, args.seconds * 1000);
  });
};
