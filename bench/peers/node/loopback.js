'use strict';
// Client and server on one loop over 127.0.0.1: how the ping-pong and pump peers stay in one process.
const net = require('net');

// Listens on 127.0.0.1 with a port the kernel picks, opens `conns` clients, and calls
// ready(clients, accepted) once every connection exists on both ends.
function connectPairs(conns, ready) {
  const clients = [];
  const accepted = [];
  let connected = 0;
  const check = () => {
    if (connected === conns && accepted.length === conns) ready(clients, accepted, server);
  };
  const server = net.createServer((socket) => {
    accepted.push(socket);
    check();
  });
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    for (let i = 0; i < conns; i++) {
      clients.push(net.connect(port, '127.0.0.1', () => {
        connected++;
        check();
      }));
    }
  });
}

function closeAll(server, sockets) {
  for (const socket of sockets) socket.destroy();
  server.close();
}

module.exports = { connectPairs, closeAll };
