import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isRetryable } from '../retry.js';
import { S3ObjectStore } from './s3-object-store.js';

// Port 1 on loopback: nothing listens, so any request fails at once with ECONNREFUSED.
const unreachable = () =>
  new S3ObjectStore({
    bucket: 'lake',
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:1',
    accessKeyId: 'key',
    secretAccessKey: 'secret-key',
    maxAttempts: 1,
  });

describe('S3ObjectStore without a server', () => {
  it('names objects as s3:// URLs', () => {
    const store = unreachable();
    expect(store.locate('bronze/tweets/date=2024-05-01/p0-0-99.parquet')).toBe(
      's3://lake/bronze/tweets/date=2024-05-01/p0-0-99.parquet',
    );
    expect(store.locate('')).toBe('s3://lake/');
  });

  it('refuses a malformed key before sending anything', async () => {
    const store = unreachable();
    await expect(store.put('../escape', 'x')).rejects.toThrow(/invalid object key/);
    await expect(store.get('a//b')).rejects.toThrow(/invalid object key/);
  });

  it('reports an unreachable server as a retryable error naming s3 and the bucket', async () => {
    const store = unreachable();
    const failure = await store.put('a/b.txt', 'x').catch((error: unknown) => error);
    expect(isRetryable(failure)).toBe(true);
    expect((failure as Error).message).toMatch(/^s3: put a\/b\.txt \(bucket lake\) failed/);
    await store.close();
  });
});

/** An S3 endpoint that answers each PUT with the next scripted status and an S3 error body. */
async function scriptedServer(answers: Array<{ status: number; code: string }>) {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      seen.push(request.headers);
      const answer = answers.shift() ?? { status: 200, code: '' };
      if (answer.status === 200) {
        response.writeHead(200, { ETag: '"etag"' }).end();
        return;
      }
      response
        .writeHead(answer.status, { 'Content-Type': 'application/xml' })
        .end(`<?xml version="1.0"?><Error><Code>${answer.code}</Code><Message>scripted</Message></Error>`);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const store = new S3ObjectStore({
    bucket: 'lake',
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accessKeyId: 'key',
    secretAccessKey: 'secret-key',
    maxAttempts: 1,
  });
  const close = async () => {
    await store.close();
    server.close();
  };
  return { store, seen, close };
}

describe('S3ObjectStore putIfAbsent answers', () => {
  it('sends If-None-Match: * and reads 412 PreconditionFailed as "already there"', async () => {
    const s3 = await scriptedServer([{ status: 412, code: 'PreconditionFailed' }]);
    expect(await s3.store.putIfAbsent('a/b.txt', 'x')).toBe(false);
    expect(s3.seen.map((h) => h['if-none-match'])).toEqual(['*']);
    await s3.close();
  });

  it('retries 409 ConditionalRequestConflict until the server decides', async () => {
    const won = await scriptedServer([
      { status: 409, code: 'ConditionalRequestConflict' },
      { status: 200, code: '' },
    ]);
    expect(await won.store.putIfAbsent('a/b.txt', 'x')).toBe(true);
    expect(won.seen).toHaveLength(2);
    await won.close();
    const lost = await scriptedServer([
      { status: 409, code: 'ConditionalRequestConflict' },
      { status: 412, code: 'PreconditionFailed' },
    ]);
    expect(await lost.store.putIfAbsent('a/b.txt', 'x')).toBe(false);
    await lost.close();
  });

  it('gives up on a conflict that does not clear with a retryable error, and passes refusals on', async () => {
    const conflict = { status: 409, code: 'ConditionalRequestConflict' };
    const stuck = await scriptedServer(Array.from({ length: 10 }, () => conflict));
    const failure = await stuck.store.putIfAbsent('a/b.txt', 'x').catch((error: unknown) => error);
    expect(isRetryable(failure)).toBe(true);
    expect(stuck.seen).toHaveLength(5);
    await stuck.close();
    const denied = await scriptedServer([{ status: 403, code: 'AccessDenied' }]);
    await expect(denied.store.putIfAbsent('a/b.txt', 'x')).rejects.toMatchObject({ name: 'AccessDenied' });
    await denied.close();
  });
});
