'use strict';
// The Node HTTP/2 peer for the h2 suite: TechEmpower plaintext from node:http2 on 127.0.0.1, through the stream API
// (the 'stream' event and stream.respond, Node's cheapest path; the compatibility API adds a request and a response
// object per stream). Plaintext it is h2c with prior knowledge (http2.createServer); with --cert and --key (PEM
// files) it is h2 by ALPN (http2.createSecureServer, Node's TLS defaults).
//   usage: node http2.js [--cert FILE --key FILE] --port P
const fs = require('fs');
const http2 = require('http2');

const BODY = Buffer.from('Hello, World!');
const HEADERS = { ':status': 200, 'content-type': 'text/plain', 'content-length': BODY.length, server: 'Node' };
const NOT_FOUND = { ':status': 404, 'content-length': 0 };

function option(name) {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}
const port = Number(option('--port'));
const certFile = option('--cert');
const keyFile = option('--key');
if (!(port > 0) || (certFile === undefined) !== (keyFile === undefined)) {
  process.stderr.write('usage: node http2.js [--cert FILE --key FILE] --port P\n');
  process.exit(2);
}

// h2load opens up to 100 streams per connection (-m 100): the bound Uvnet and Kestrel advertise by default (nginx's is
// 128, Node's 4294967295), so that no server makes h2load hold streams back that another would take.
const settings = { maxConcurrentStreams: 100 };
const server = certFile === undefined
  ? http2.createServer({ settings })
  : http2.createSecureServer({ settings, cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) });
server.on('stream', (stream, headers) => {
  if (headers[':path'] === '/plaintext') {
    stream.respond(HEADERS);
    stream.end(BODY);
  } else {
    stream.respond(NOT_FOUND, { endStream: true });
  }
});
server.listen(port, '127.0.0.1', () => process.stderr.write(`node ${certFile === undefined ? 'h2c' : 'h2'}: listening on 127.0.0.1:${port}\n`));
