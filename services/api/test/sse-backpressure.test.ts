import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SseChannel } from '../src/http/sse.ts';

/**
 * Given a client that stops reading, when versions keep coming faster than the socket
 * drains, then the channel stops writing (holds only the newest version) and, once the
 * client reads again, sends the newest: versions arrive in order, the last one always
 * arrives, the ones in between are skipped. Real sockets; the route mirrors the status
 * stream's push/onDrain pattern with large payloads so the kernel buffers fill quickly.
 */
const PAYLOAD = 'x'.repeat(256 * 1024);
const VERSIONS = 200;
let server: import('node:http').Server;
let port: number;
const serverSide = { written: 0, blockedSeen: false, done: Promise.resolve() };

beforeAll(async () => {
  const app = express();
  app.get('/stream', (req, res) => {
    const channel = new SseChannel(req, res, { heartbeatMs: 60_000 });
    let latest = 0;
    let sent = 0;
    const push = () => {
      if (channel.isBlocked || latest === sent) return;
      if (channel.trySend({ id: latest, event: 'status', data: { version: latest, payload: PAYLOAD } })) {
        sent = latest;
        serverSide.written++;
      }
    };
    channel.onDrain = push;
    serverSide.done = (async () => {
      for (let v = 1; v <= VERSIONS; v++) {
        latest = v;
        push();
        if (channel.isBlocked) serverSide.blockedSeen = true;
        await new Promise((r) => setImmediate(r));
      }
      // The newest is delivered on drain; end once it is out.
      while (sent !== VERSIONS && !channel.isClosed) await new Promise((r) => setTimeout(r, 10));
      channel.close();
    })();
  });
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(() => {
  server?.close();
});

describe('SSE back-pressure', () => {
  it('skips intermediate versions for a stalled client and always delivers the newest, in order', async () => {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET /stream HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\nConnection: close\r\n\r\n');
    socket.pause(); // a slow client: reads nothing for a while
    await new Promise((r) => setTimeout(r, 500));
    expect(serverSide.blockedSeen).toBe(true);

    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.resume();
    await serverSide.done;
    await new Promise((r) => socket.once('end', r));
    const text = Buffer.concat(chunks).toString('utf8');
    const versions = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    console.log(`stalled client received ${versions.length} of ${VERSIONS} versions (server wrote ${serverSide.written})`);
    expect(versions.at(-1)).toBe(VERSIONS);
    expect(versions.length).toBeLessThan(VERSIONS);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(new Set(versions).size).toBe(versions.length);
  });
});
