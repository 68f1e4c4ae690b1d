'use strict';
// The Node HTTP peer: TechEmpower plaintext from node:http on 127.0.0.1 (Node adds the Date header).
//   usage: node http.js --port P
const http = require('http');

const BODY = Buffer.from('Hello, World!');
// Node closes idle keep-alive connections after 5 s by default; the memory workload holds 10,000 of them
// while it measures, so they must outlive that (Kestrel's default is 130 s).
const KEEP_ALIVE_TIMEOUT_MS = 130000;
const HEADERS = { 'Content-Type': 'text/plain', 'Content-Length': BODY.length, Server: 'Node' };

const portIndex = process.argv.indexOf('--port');
const port = Number(process.argv[portIndex + 1]);
if (portIndex < 0 || !(port > 0)) {
  process.stderr.write('usage: node http.js --port P\n');
  process.exit(2);
}

const server = http.createServer((req, res) => {
  if (req.url === '/plaintext') {
    res.writeHead(200, HEADERS);
    res.end(BODY);
  } else {
    res.writeHead(404, { 'Content-Length': 0 });
    res.end();
  }
});
server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
server.listen(port, '127.0.0.1', () => process.stderr.write(`node http: listening on 127.0.0.1:${port}\n`));
