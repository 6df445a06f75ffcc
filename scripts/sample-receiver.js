#!/usr/bin/env node
'use strict';
/*
 * A sample webhook receiver, as an organization would write one: verifies the Standard Webhooks
 * signature with the public `standardwebhooks` library and prints each event it accepts.
 *   WEBHOOK_SECRET=whsec_... node scripts/sample-receiver.js [port]
 * The secret can also be set later by POSTing it to /secret (npm start does that).
 */
const http = require('http');
const { Webhook } = require('standardwebhooks');

const port = Number(process.argv[2] || process.env.RECEIVER_PORT || 4000);
let verifier = process.env.WEBHOOK_SECRET ? new Webhook(process.env.WEBHOOK_SECRET) : null;

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    if (req.url === '/secret' && req.method === 'POST') {
      verifier = new Webhook(body.trim());
      return res.writeHead(204).end();
    }
    if (!verifier) return res.writeHead(503).end('no secret configured yet');
    try {
      const event = verifier.verify(body, req.headers);
      console.log(`[receiver] ✔ ${event.type} ${event.id} (${event.mode}) webhook-id=${String(req.headers['webhook-id'])} signature verified: ${JSON.stringify(event.data)}`);
      res.writeHead(200).end('ok');
    } catch (err) {
      console.log(`[receiver] ✘ rejected a request: ${err.message}`);
      res.writeHead(400).end('bad signature');
    }
  });
});
server.listen(port, '127.0.0.1', () => console.log(`[receiver] listening on http://127.0.0.1:${port}/webhooks`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.on('SIGINT', () => server.close(() => process.exit(0)));
