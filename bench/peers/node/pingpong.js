'use strict';
// Ping-pong, after libuv's test/benchmark-ping-pongs.c, with the echo server in the same process:
// each of --conns clients writes "PING\n", waits for the echo, and writes again, for --seconds.
const peer = require('./peer');
const { connectPairs, closeAll } = require('./loopback');

const PING = Buffer.from('PING\n');

module.exports = function pingpong(args) {
  peer.progress(`pingpong: ${args.conns} connection(s) for ${args.seconds} s on one loop`);
  const start = process.hrtime.bigint();
  let pongs = 0;
  let stopping = false;

  connectPairs(args.conns, (clients, accepted, server) => {
    for (const conn of accepted) conn.on('data', (data) => conn.write(data));
    for (const client of clients) {
      let state = 0; // bytes of "PING\n" matched so far
      client.on('data', (data) => {
        for (let i = 0; i < data.length; i++) {
          if (data[i] !== PING[state]) throw new Error('unexpected byte in the echo');
          state = (state + 1) % PING.length;
          if (state === 0) {
            pongs++;
            if (!stopping) client.write(PING);
          }
        }
      });
      client.write(PING);
    }
    setTimeout(() => {
      stopping = true;
      const elapsed = peer.seconds(start);
      closeAll(server, [...clients, ...accepted]);
      peer.result({ roundtrips_per_sec: Math.round(pongs / elapsed), conns: args.conns });
    }, args.seconds * 1000);
  });
};
