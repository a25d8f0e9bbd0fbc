/**
 * A real webhook receiver on 127.0.0.1 for the tests (node:http): records every request with its
 * signature check and answers as the test says (a status, a Retry-After, or no answer at all).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type SignatureCheck, verifyWebhookSignature, WEBHOOK_HEADERS } from './webhook-signature.js';

export interface ReceivedRequest {
  method: string;
  path: string;
  key: string | undefined;
  contentType: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
  body: string;
  check: SignatureCheck;
  /** 1 for the first request with this key, 2 for the second… */
  nth: number;
}

/** A status (with headers, after a delay), or 'hang': never answer. */
export type Answer = { status: number; headers?: Record<string, string>; delayMs?: number } | 'hang';
export type Responder = (request: ReceivedRequest) => Answer;

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
};

export class TestWebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly hanging = new Set<ServerResponse>();
  private readonly listeners = new Set<() => void>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** `respond` may be swapped later (a receiver that recovers). */
  static async start(
    secret: string,
    respond: Responder = () => ({ status: 204 }),
    path = '/hooks/alerts',
  ): Promise<TestWebhookReceiver> {
    let receiver: TestWebhookReceiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => receiver?.handle(req, res, Buffer.concat(chunks).toString('utf8'), secret));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    receiver = new TestWebhookReceiver(server, `http://127.0.0.1:${port}${path}`);
    receiver.respond = respond;
    return receiver;
  }

  respond: Responder = () => ({ status: 204 });

  private handle(req: IncomingMessage, res: ServerResponse, body: string, secret: string): void {
    const key = header(req, WEBHOOK_HEADERS.idempotencyKey);
    const timestamp = header(req, WEBHOOK_HEADERS.timestamp);
    const signature = header(req, WEBHOOK_HEADERS.signature);
    const request: ReceivedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      key,
      contentType: header(req, 'content-type'),
      timestamp,
      signature,
      body,
      check: verifyWebhookSignature(secret, { body, timestamp, signature }),
      nth: this.requests.filter((r) => r.key === key).length + 1,
    };
    this.requests.push(request);
    const answer = this.respond(request);
    // After the responder: a condition may read what it recorded.
    for (const listener of [...this.listeners]) listener();
    if (answer === 'hang') {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    const send = () => {
      if (!res.destroyed) res.writeHead(answer.status, answer.headers).end();
    };
    if (answer.delayMs) setTimeout(send, answer.delayMs);
    else send();
  }

  /** Every Idempotency-Key received, each once. */
  receivedKeys(): Set<string> {
    return new Set(this.requests.filter((r) => r.key !== undefined).map((r) => r.key as string));
  }

  requestsFor(key: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.key === key);
  }

  /** Resolves once `condition` holds (checked on every request); rejects after `timeoutMs`. */
  until(condition: () => boolean, timeoutMs = 15_000, what = 'the receiver condition'): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const listener = () => {
        if (!condition()) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      this.listeners.add(listener);
    });
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
