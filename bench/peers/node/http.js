'use strict';
// The Node HTTP peer: TechEmpower plaintext from node:http on 127.0.0.1 (Node adds the Date header). With --cert and
// --key (PEM files) it is node:https instead, with Node's TLS defaults, for the tls suite.
//   usage: node http.js [--cert FILE --key FILE] --port P
const fs = require('fs');
const http = require('http');
const https = require('https');

const BODY = Buffer.from('Hello, World!');
// Node closes idle keep-alive connections after 5 s by default; the memory workload holds 10,000 of them
// while it measures, so they must outlive that (Kestrel's default is 130 s).
const KEEP_ALIVE_TIMEOUT_MS = 130000;
const HEADERS = { 'Content-Type': 'text/plain', 'Content-Length': BODY.length, Server: 'Node' };
// The tls suite's bulk body: 1 MiB from memory (nginx and uvnet serve it from a file in the page cache).
const BULK = Buffer.alloc(1024 * 1024, 'x');
const BULK_HEADERS = { 'Content-Type': 'application/octet-stream', 'Content-Length': BULK.length, Server: 'Node' };

function option(name) {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}
const port = Number(option('--port'));
const certFile = option('--cert');
const keyFile = option('--key');
if (!(port > 0) || (certFile === undefined) !== (keyFile === undefined)) {
  process.stderr.write('usage: node http.js [--cert FILE --key FILE] --port P\n');
  process.exit(2);
}

const handler = (req, res) => {
  if (req.url === '/plaintext') {
    res.writeHead(200, HEADERS);
    res.end(BODY);
  } else if (req.url === '/bulk') {
    res.writeHead(200, BULK_HEADERS);
    res.end(BULK);
  } else {
    res.writeHead(404, { 'Content-Length': 0 });
    res.end();
  }
};
const server = certFile === undefined
  ? http.createServer(handler)
  : https.createServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) }, handler);
server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
server.listen(port, '127.0.0.1', () => process.stderr.write(`node ${certFile === undefined ? 'http' : 'https'}: listening on 127.0.0.1:${port}\n`));
