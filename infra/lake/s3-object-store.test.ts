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
