/**
 * The object-store port on S3 or an S3-compatible server (MinIO), with @aws-sdk/client-s3.
 *
 * - Path-style addressing (`http://host:9000/bucket/key`): MinIO and most S3-compatible servers
 *   have no virtual-host DNS.
 * - Checksums only when an operation requires them: since 3.729 the SDK adds CRC32 checksums to
 *   every request by default, which some S3-compatible servers reject.
 * - Objects above `multipartThresholdBytes` go up in parts with @aws-sdk/lib-storage; S3 makes a
 *   multipart object visible only on CompleteMultipartUpload, so a put stays atomic either way.
 * - Transient failures are retried by the SDK (`maxAttempts`); what still fails reaches the caller
 *   as a retryable BackendUnavailableError. Puts are whole-object overwrites, so a retry is safe.
 * - putIfAbsent is one PutObject with `If-None-Match: *` (S3 since 2024-08; MinIO checks it while
 *   holding the object's lock for the whole write, so concurrent creators get one winner): 412
 *   means the key exists. 409 ConditionalRequestConflict means a concurrent operation on the key
 *   got in the way, and S3's documentation says to retry the upload, so it is retried: the retry
 *   gets 412 if another creator won. Limit: if an attempt lands but its answer is lost, the
 *   SDK's own retry sees 412 and the call reports false although its body was written.
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { BackendUnavailableError, sleep } from '../retry.js';
import {
  assertObjectKey,
  assertObjectPrefix,
  type ObjectInfo,
  type ObjectLevel,
  type ObjectStore,
  type PutOptions,
} from './object-store.js';

export interface S3ObjectStoreOptions {
  bucket: string;
  region: string;
  /** An S3-compatible endpoint such as http://127.0.0.1:9000; unset uses AWS. */
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Attempts per request, including the first (the SDK's standard retry strategy). */
  maxAttempts?: number;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Bodies larger than this are uploaded in parts. */
  multipartThresholdBytes?: number;
  partSizeBytes?: number;
  /** Keys per list request (S3's maximum and default: 1000); small values exercise paging. */
  listPageSize?: number;
}

const MiB = 1024 * 1024;
/** Conditional puts tried per putIfAbsent while S3 answers 409 ConditionalRequestConflict. */
const CONFLICT_ATTEMPTS = 5;

/** Errors that say the server could not be reached or did not answer, as opposed to a refusal. */
function isServiceAnswer(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.$metadata?.httpStatusCode ?? 0) > 0 &&
    (error.$metadata?.httpStatusCode ?? 0) < 500
  );
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function nameOf(error: unknown): string | undefined {
  return (error as { name?: string })?.name;
}

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchBucket' || statusOf(error) === 404;
}

export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly threshold: number;
  private readonly partSize: number;
  private readonly listPageSize: number | undefined;

  constructor(options: S3ObjectStoreOptions) {
    this.bucket = options.bucket;
    this.threshold = options.multipartThresholdBytes ?? 16 * MiB;
    this.partSize = Math.max(5 * MiB, options.partSizeBytes ?? 8 * MiB);
    this.listPageSize = options.listPageSize;
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
      ...(options.accessKeyId && options.secretAccessKey
        ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } }
        : {}),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: options.maxAttempts ?? 3,
      requestHandler: {
        connectionTimeout: options.connectionTimeoutMs ?? 3000,
        requestTimeout: options.requestTimeoutMs ?? 60_000,
      },
    });
  }

  /** Creates the bucket if it does not exist; proves the server answers (start-up probe). */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (error) {
      if (!isNotFound(error)) throw this.wrap('head bucket', error);
    }
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      const name = (error as { name?: string }).name;
      // Created by another process meanwhile.
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists')
        throw this.wrap('create bucket', error);
    }
  }

  private wrap(operation: string, error: unknown): Error {
    if (isServiceAnswer(error)) return error as Error;
    return new BackendUnavailableError('s3', `${operation} (bucket ${this.bucket})`, { cause: error });
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<void> {
    assertObjectKey(key);
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const params = {
      Bucket: this.bucket,
      Key: key,
      Body: bytes,
      ...(options.contentType ? { ContentType: options.contentType } : {}),
    };
    try {
      if (bytes.byteLength <= this.threshold) {
        await this.client.send(new PutObjectCommand(params));
      } else {
        // leavePartsOnError false: a failed upload is aborted, so no orphan parts stay billed.
        await new Upload({
          client: this.client,
          params,
          partSize: this.partSize,
          queueSize: 4,
          leavePartsOnError: false,
        }).done();
      }
    } catch (error) {
      throw this.wrap(`put ${key}`, error);
    }
  }

  async putIfAbsent(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<boolean> {
    assertObjectKey(key);
    // Always one request, whatever the size (PutObject takes up to 5 GiB): a multipart upload
    // would carry the condition only on its completion.
    const params = {
      Bucket: this.bucket,
      Key: key,
      Body: typeof body === 'string' ? Buffer.from(body) : body,
      IfNoneMatch: '*',
      ...(options.contentType ? { ContentType: options.contentType } : {}),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new PutObjectCommand(params));
        return true;
      } catch (error) {
        if (statusOf(error) === 412 || nameOf(error) === 'PreconditionFailed') return false;
        const conflict = statusOf(error) === 409 || nameOf(error) === 'ConditionalRequestConflict';
        if (!conflict) throw this.wrap(`put if absent ${key}`, error);
        if (attempt === CONFLICT_ATTEMPTS) {
          throw new BackendUnavailableError('s3', `put if absent ${key} (bucket ${this.bucket})`, {
            cause: error,
          });
        }
        await sleep(20 * 2 ** attempt);
      }
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    assertObjectKey(key);
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!response.Body) return new Uint8Array();
      return await response.Body.transformToByteArray();
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.wrap(`get ${key}`, error);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    assertObjectKey(key);
    try {
      const response = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { key, size: response.ContentLength ?? 0, lastModified: response.LastModified?.getTime() ?? 0 };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.wrap(`head ${key}`, error);
    }
  }

  /** Every page of a ListObjectsV2 listing of `prefix`, one level deep with `delimiter`. */
  private async *pages(
    prefix: string,
    operation: string,
    delimiter?: string,
  ): AsyncIterable<ListObjectsV2CommandOutput> {
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            ...(delimiter ? { Delimiter: delimiter } : {}),
            ...(this.listPageSize ? { MaxKeys: this.listPageSize } : {}),
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
      } catch (error) {
        throw this.wrap(`${operation} ${prefix}`, error);
      }
      yield page;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    assertObjectPrefix(prefix);
    // S3 lists in UTF-8 binary key order, which is the port's key order.
    for await (const page of this.pages(prefix, 'list')) yield* objectInfos(page);
  }

  async listLevel(prefix: string): Promise<ObjectLevel> {
    assertObjectPrefix(prefix);
    const objects: ObjectInfo[] = [];
    const prefixes: string[] = [];
    // Each page is in key order and pages follow each other, so appending keeps the order.
    for await (const page of this.pages(prefix, 'list level', '/')) {
      objects.push(...objectInfos(page));
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix !== undefined) prefixes.push(p.Prefix);
    }
    return { objects, prefixes };
  }

  async delete(key: string): Promise<void> {
    assertObjectKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      if (isNotFound(error)) return;
      throw this.wrap(`delete ${key}`, error);
    }
  }

  locate(key: string): string {
    if (key === '') return `s3://${this.bucket}/`;
    assertObjectKey(key);
    return `s3://${this.bucket}/${key}`;
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

function objectInfos(page: ListObjectsV2CommandOutput): ObjectInfo[] {
  return (page.Contents ?? []).flatMap((o) =>
    o.Key === undefined
      ? []
      : [{ key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified?.getTime() ?? 0 }],
  );
}
