// The Node client peers: <agent|undici> <keepalive|pipelined> --port P [--conns N] [--seconds S] [--warmup W].
// GET /plaintext from 127.0.0.1:P on N connections as fast as the client allows; prints
// "RESULT requests_per_sec=<n> cpu_pct=<client CPU, 100 = one core> errors=<n>" for the measured seconds.
// agent: node:http with an http.Agent({ keepAlive: true, maxSockets: N }), one request at a time per connection.
// undici: a Pool of N connections (undici from UNDICI_PATH, installed by the harness), pipelining 16 for
// "pipelined", each request's body dumped (its documented fastest way to discard a body).
'use strict';
const http = require('node:http');

const [client, workload, ...rest] = process.argv.slice(2);
const opt = { port: 0, conns: 64, seconds: 10, warmup: 5 };
for (let i = 0; i + 1 < rest.length; i += 2) opt[rest[i].replace(/^--/, '')] = Number(rest[i + 1]);
const depth = workload === 'pipelined' ? 16 : 1;

let completed = 0, errors = 0, stopping = false, from = null;

function report() {
  const elapsed = Number(process.hrtime.bigint() - from.t) / 1e9;
  const cpu = process.cpuUsage(from.cpu);
  const rps = Math.round((completed - from.count) / elapsed);
  console.log(`RESULT requests_per_sec=${rps} cpu_pct=${Math.round((cpu.user + cpu.system) / 1e4 / elapsed)} errors=${errors}`);
}

function schedule(stop) {
  setTimeout(() => {
    from = { t: process.hrtime.bigint(), cpu: process.cpuUsage(), count: completed };
    setTimeout(() => { stopping = true; report(); stop(); }, opt.seconds * 1000);
  }, opt.warmup * 1000);
}

if (client === 'agent') {
  if (depth > 1) { console.log('UNSUPPORTED'); process.exit(0); }
  const agent = new http.Agent({ keepAlive: true, maxSockets: opt.conns });
  const options = { host: '127.0.0.1', port: opt.port, path: '/plaintext', agent };
  const next = () => {
    if (stopping) return;
    http.get(options, (res) => {
      res.resume();
      res.on('end', () => { completed++; next(); });
    }).on('error', () => { errors++; next(); });
  };
  for (let i = 0; i < opt.conns; i++) next();
  schedule(() => agent.destroy());
} else if (client === 'undici') {
  const { Pool } = require(process.env.UNDICI_PATH || 'undici');
  const pool = new Pool(`http://127.0.0.1:${opt.port}`, { connections: opt.conns, pipelining: depth });
  const next = async () => {
    while (!stopping) {
      try {
        const { body } = await pool.request({ path: '/plaintext', method: 'GET' });
        await body.dump();
        completed++;
      } catch {
        errors++;
      }
    }
  };
  for (let i = 0; i < opt.conns * depth; i++) next();
  schedule(() => pool.destroy().catch(() => {}));
} else {
  console.error(`unknown client ${client}`);
  process.exit(2);
}
