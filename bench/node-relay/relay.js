// SPDX-License-Identifier: MIT
// The baseline the issue compares tickerd with: a Node.js relay on the `ws`
// package that takes one upstream WebSocket feed (a fake Binance exchange of
// bench/loadgen) and broadcasts every message to all of its clients with the
// idiomatic loop from the `ws` README. No parsing, no filtering, no framing
// tricks: it does strictly less work per message than tickerd does.
//
//   node relay.js LISTEN_PORT UPSTREAM_URL
'use strict';

const WebSocket = require('ws');

const port = Number(process.argv[2] || 27750);
const upstreamUrl = process.argv[3] || 'ws://127.0.0.1:27760/ws';

const wss = new WebSocket.Server({ host: '127.0.0.1', port });

function connectUpstream() {
  const up = new WebSocket(upstreamUrl);

  up.on('open', () => {
    up.send(JSON.stringify({
      method: 'SUBSCRIBE',
      params: ['btcusdt@trade'],
      id: 1,
    }));
  });
  up.on('message', (data, isBinary) => {
    wss.clients.forEach((client) => {
      if (client.readyState === WebSocket.OPEN) {
        client.send(data, { binary: isBinary });
      }
    });
  });
  // The load generator starts first, but retry in case it is not up yet.
  up.on('error', () => {});
  up.on('close', () => setTimeout(connectUpstream, 200));
}

wss.on('listening', connectUpstream);
process.on('SIGTERM', () => process.exit(0));
