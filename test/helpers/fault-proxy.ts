// A fault-injecting HTTP proxy on 127.0.0.1 in front of an S3-protocol server:
//
//   const proxy = await startFaultProxy(s3.endpoint);
//   proxy.fail(2, 503);             // the next 2 requests get 503 SlowDown (500 → InternalError, 429 → TooManyRequests)
//   proxy.resetMidBody(1, 64 * 1024); // the next request's connection is reset after ~64 KiB of its body (nothing forwarded)
//   proxy.delay(1, 5_000);          // the next request waits 5 s before it is forwarded (a hung endpoint)
//   proxy.down(true);               // every request gets 503 until down(false)
//   proxy.failWhen((req) => req.method === 'PUT' && /partNumber=2/.test(req.url!), 500)  // a matching request fails
//   `s3://bucket/p?endpoint=${proxy.endpoint}` (or AWS_ENDPOINT_URL_S3) sends a copy through it;
//   proxy.log lists every request with what was done to it; await proxy.close() in afterAll.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

type Fault = { kind: 'status'; status: number } | { kind: 'reset'; afterBytes: number } | { kind: 'delay'; ms: number };

export interface FaultProxy {
  endpoint: string;
  /** One line per request: "<METHOD> <path> → <what happened>". */
  log: string[];
  fail(n: number, status: 500 | 503 | 429): void;
  resetMidBody(n: number, afterBytes?: number): void;
  delay(n: number, ms: number): void;
  down(on: boolean): void;
  failWhen(pred: ((req: http.IncomingMessage) => boolean) | null, status?: number): void;
  /** Faults injected so far, by kind ("503", "reset", "delay", "down"…). */
  injected(): string[];
  close(): Promise<void>;
}

const CODES: Record<number, string> = { 500: 'InternalError', 503: 'SlowDown', 429: 'TooManyRequests' };

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const t = new URL(target);
  const queue: Fault[] = [];
  let isDown = false;
  let when: { pred: (req: http.IncomingMessage) => boolean; status: number } | null = null;
  const log: string[] = [];
  const injected: string[] = [];

  const answer = (req: http.IncomingMessage, res: http.ServerResponse, status: number, why: string) => {
    injected.push(why);
    log.push(`${req.method} ${req.url} → ${why}`);
    req.resume();
    const code = CODES[status] ?? 'InternalError';
    res.writeHead(status, { 'content-type': 'application/xml', connection: 'close' });
    // HEAD answers carry no body.
    res.end(req.method === 'HEAD' ? undefined : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected by fault-proxy</Message></Error>`);
  };

  const forward = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const up = http.request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  };

  const server = http.createServer((req, res) => {
    if (isDown) return answer(req, res, 503, 'down');
    if (when?.pred(req)) return answer(req, res, when.status, `when-${when.status}`);
    const f = queue.shift();
    if (!f) {
      log.push(`${req.method} ${req.url} → forwarded`);
      return forward(req, res);
    }
    if (f.kind === 'status') return answer(req, res, f.status, String(f.status));
    if (f.kind === 'delay') {
      injected.push('delay');
      log.push(`${req.method} ${req.url} → delayed ${f.ms} ms`);
      req.pause();
      const timer = setTimeout(() => {
        req.resume();
        forward(req, res);
      }, f.ms);
      req.socket.once('close', () => clearTimeout(timer));
      return;
    }
    // Reset mid-body: take part of the request body, forward nothing, drop the connection, as a
    // network break between client and server does (the server never sees a complete request).
    injected.push('reset');
    let got = 0;
    const onData = (c: Buffer) => {
      got += c.length;
      if (got >= f.afterBytes) {
        req.off('data', onData);
        log.push(`${req.method} ${req.url} → reset after ${got} body bytes`);
        req.socket.destroy();
      }
    };
    req.on('data', onData);
    req.once('end', () => {
      if (req.socket.destroyed) return;
      log.push(`${req.method} ${req.url} → reset at end of body (${got} bytes)`);
      req.socket.destroy();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const push = (n: number, f: Fault) => {
    for (let i = 0; i < n; i++) queue.push(f);
  };
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    fail: (n, status) => push(n, { kind: 'status', status }),
    resetMidBody: (n, afterBytes = 64 * 1024) => push(n, { kind: 'reset', afterBytes }),
    delay: (n, ms) => push(n, { kind: 'delay', ms }),
    down: (on) => void (isDown = on),
    failWhen: (pred, status = 500) => void (when = pred ? { pred, status } : null),
    injected: () => [...injected],
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
