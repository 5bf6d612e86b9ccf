/** Peer: the ceiling of an HTTP server in Node, node:http answering a constant JSON body. */
import { createServer } from 'node:http';

const body = JSON.stringify({ data: { type: 'counters', id: 'default', attributes: { value: 1 } } });
const headers = { 'Content-Type': 'application/vnd.api+json', 'Content-Length': Buffer.byteLength(body) };
createServer((_request, response) => {
  response.writeHead(200, headers);
  response.end(body);
}).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
