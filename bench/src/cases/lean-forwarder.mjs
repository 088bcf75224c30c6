// The floor for the gateway's HTTP throughput: a Streamable HTTP forwarder with no SDK on either side. It
// parses each request and each answer once (what a pipeline needs to see), writes them again and forwards
// over one kept-alive pool. Not a gateway (no sessions of its own, no pipeline, no server-to-client
// requests): the `gateway-http-1000-floor` case measures how near the direct throughput a gateway's
// transport work alone can get on this machine. Usage: node lean-forwarder.mjs <upstream URL>
import { Buffer } from 'node:buffer';
import { Agent, createServer, request } from 'node:http';
import process from 'node:process';
import { URL } from 'node:url';

const upstream = new URL(process.argv[2] ?? '');
const agent = new Agent({ keepAlive: true, maxSockets: 2000, maxFreeSockets: 2000 });
const FORWARDED = ['content-type', 'accept', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id'];

/** The JSON-RPC messages of an SSE body, written again as SSE. */
function rewriteSse(text) {
  let out = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('data: '))
      out += `event: message\ndata: ${JSON.stringify(JSON.parse(line.slice(6)))}\n\n`;
  }
  return out;
}

function answer(res, upstreamRes, text) {
  const type = upstreamRes.headers['content-type'] ?? '';
  let body = text;
  if (type.startsWith('text/event-stream')) body = rewriteSse(text);
  else if (type.startsWith('application/json') && text !== '') body = JSON.stringify(JSON.parse(text));
  const headers = { 'content-type': type };
  const session = upstreamRes.headers['mcp-session-id'];
  if (session !== undefined) headers['mcp-session-id'] = session;
  res.writeHead(upstreamRes.statusCode ?? 502, headers);
  res.end(body);
}

function forward(req, res, body, retried) {
  const headers = {};
  for (const name of FORWARDED) if (req.headers[name] !== undefined) headers[name] = req.headers[name];
  const out = request(upstream, { agent, method: req.method, headers }, (upstreamRes) => {
    const parts = [];
    upstreamRes.on('data', (chunk) => parts.push(chunk));
    upstreamRes.on('end', () => answer(res, upstreamRes, Buffer.concat(parts).toString('utf8')));
  });
  out.on('error', (error) => {
    // A kept-alive socket the upstream closed as the request left: once more on a new one.
    if (!retried && out.reusedSocket) return forward(req, res, body, true);
    res.writeHead(502);
    res.end(String(error));
  });
  out.end(body);
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const raw = Buffer.concat(chunks).toString('utf8');
    forward(req, res, raw === '' ? '' : JSON.stringify(JSON.parse(raw)), false);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stderr.write(`listening on http://127.0.0.1:${server.address().port}/mcp\n`);
});
