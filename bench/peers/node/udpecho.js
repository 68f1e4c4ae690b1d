'use strict';
// UDP echo on Node's dgram, after the libuv peer's udpecho.c: each of --conns client sockets sends one --size byte
// datagram to the echo server in the same process and sends the next when the echo arrives.
const dgram = require('dgram');
const peer = require('./peer');

module.exports = function udpEcho(args) {
  const payload = Buffer.alloc(args.size);
  const server = dgram.createSocket('udp4');
  const clients = [];
  let echoes = 0;
  let stopping = false;
  let startNs;
  let startCpuMs;

  server.on('message', (msg, rinfo) => server.send(msg, rinfo.port, rinfo.address));
  server.bind(0, '127.0.0.1', () => {
    const port = server.address().port;
    peer.progress(`udp-echo: ${args.conns} client(s), ${args.size} B datagrams, for ${args.seconds} s on one loop`);
    startNs = process.hrtime.bigint();
    startCpuMs = peer.cpuMs();
    for (let i = 0; i < args.conns; i++) {
      const client = dgram.createSocket('udp4');
      client.on('message', () => {
        echoes++;
        if (!stopping) client.send(payload, port, '127.0.0.1');
      });
      client.bind(0, '127.0.0.1', () => client.send(payload, port, '127.0.0.1'));
      clients.push(client);
    }
    setTimeout(() => {
      stopping = true;
      const elapsed = peer.seconds(startNs);
      const cpuMs = peer.cpuMs() - startCpuMs;
      // The stop ends the measurement; what runs after it (closing) is not counted, nor what ran before the start
      // (cpu_ms: the process's CPU time over the same window).
      peer.result({ datagrams_per_sec: Math.round(echoes / elapsed), conns: args.conns, size: args.size, cpu_ms: cpuMs.toFixed(1) });
      for (const c of clients) c.close();
      server.close();
    }, args.seconds * 1000);
  });
};
