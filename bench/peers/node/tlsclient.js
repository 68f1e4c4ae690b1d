'use strict';
// The tls suite's Node clients (bench/lib/tls.sh), pinned to the load core like wrk.
//   node tlsclient.js resumed --port P --seconds S --concurrency C
//     One full handshake takes a session; then C connections at a time resume the newest session the server sent
//     and close once secure. Prints "RESULT handshakes=N resumed=M": resumed counts the handshakes the server
//     actually resumed (a server without resumption does full ones, and shows it there). openssl s_time -reuse is
//     not used: here it made a connection every 30-50 ms whatever the server (its own waits), far from any limit.
//   node tlsclient.js idle --port P --conns N --hold S
//     N connections (64 handshakes in flight at most), each sends GET /plaintext and reads the answer, then all
//     stay open: prints "READY connected=N failed=M", then holds them for S seconds (or until stopped).
// rejectUnauthorized is off: the bench's certificates are self-signed, and verification is the client's cost.
const tls = require('tls');

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}
const mode = process.argv[2];
const port = option('--port');
if (!(port > 0) || (mode !== 'resumed' && mode !== 'idle')) {
  process.stderr.write('usage: node tlsclient.js resumed|idle --port P [--seconds S --concurrency C | --conns N --hold S]\n');
  process.exit(2);
}
const connectOptions = { host: '127.0.0.1', port, rejectUnauthorized: false };

function resumed() {
  const seconds = option('--seconds', 5);
  const concurrency = option('--concurrency', 8);
  let running = concurrency;
  let session, handshakes = 0, reused = 0, end = 0;
  function one() {
    if (Date.now() >= end) {
      if (--running === 0) {
        process.stdout.write(`RESULT handshakes=${handshakes} resumed=${reused}\n`);
        process.exit(0);
      }
      return;
    }
    const socket = tls.connect({ ...connectOptions, session }, () => {
      handshakes++;
      if (socket.isSessionReused()) reused++;
      socket.destroy();
      one();
    });
    socket.on('session', (s) => { session = s; });
    socket.on('error', (e) => { process.stderr.write(`tlsclient: ${e.message}\n`); socket.destroy(); setTimeout(one, 10); });
  }
  // The first connection takes a session (a TLS 1.3 ticket comes after the handshake): read the answer to a request.
  const first = tls.connect(connectOptions, () => first.write('GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
  first.on('session', (s) => { session = s; });
  first.once('data', () => {
    first.destroy();
    end = Date.now() + seconds * 1000;
    for (let i = 0; i < concurrency; i++) one();
  });
  first.on('error', (e) => { process.stderr.write(`tlsclient: ${e.message}\n`); process.exit(1); });
}

function idle() {
  const total = option('--conns', 1000);
  const hold = option('--hold', 60);
  const held = [];
  let started = 0, connected = 0, failed = 0;
  function settle() {
    if (connected + failed === total) {
      process.stdout.write(`READY connected=${connected} failed=${failed}\n`);
      setTimeout(() => process.exit(0), hold * 1000);
    } else if (started < total) {
      open();
    }
  }
  function open() {
    started++;
    let done = false;
    const socket = tls.connect(connectOptions, () => socket.write('GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
    socket.on('data', (data) => {
      if (!done && data.includes('Hello, World!')) {
        done = true;
        connected++;
        held.push(socket);
        settle();
      }
    });
    socket.on('error', () => {
      if (!done) {
        done = true;
        failed++;
        settle();
      }
    });
  }
  for (let i = 0; i < Math.min(64, total); i++) open();
}

if (mode === 'resumed') resumed(); else idle();
