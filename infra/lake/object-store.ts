/**
 * The object-store port: the lake's bucket (S3/MinIO) or folder (embedded). Implemented by
 * LocalObjectStore and by the S3 adapter; both pass object-store.contract.ts.
 */

export interface ObjectInfo {
  key: string;
  size: number;
  /** epoch ms */
  lastModified: number;
}

export interface PutOptions {
  contentType?: string;
}

/** One level of the key space under a prefix, as S3 lists it with the delimiter `/`. */
export interface ObjectLevel {
  /** Objects whose key is the prefix followed by a name with no `/`, in key order. */
  objects: ObjectInfo[];
  /** The distinct `prefix + name + '/'` that lead to deeper objects, in key order. */
  prefixes: string[];
}

export interface ObjectStore {
  /** Writes the whole object atomically: readers see the old object or the new one, never a part. */
  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void>;
  /** The object's bytes, or undefined if there is none. */
  get(key: string): Promise<Uint8Array | undefined>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /**
   * Conditional create: writes the whole object only if no object has the key, atomically, so of
   * concurrent creators of one key exactly one wins and the object holds the winner's whole body.
   * True if this call wrote it; false if an object was already there (left untouched).
   */
  putIfAbsent(key: string, body: Uint8Array | string, options?: PutOptions): Promise<boolean>;
  /** Objects whose key starts with `prefix`, in key order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /**
   * One level under `prefix` (S3's delimiter `/`): the objects directly under it and the
   * sub-prefixes, so "the last object of this folder" needs no walk of everything below it.
   */
  listLevel(prefix: string): Promise<ObjectLevel>;
  /** Removes the object; removing a missing one is not an error. */
  delete(key: string): Promise<void>;
  /** Where a key lives, for external readers: `s3://bucket/key` or an absolute file path. */
  locate(key: string): string;
  close(): Promise<void>;
}

const MAX_KEY_BYTES = 1024;

/**
 * Keys are relative, `/`-separated paths: no empty, `.` or `..` segments, no leading `/`, no
 * backslashes or control characters, and no segment starting with `.` (kept for temporary files
 * and ignored by Spark and Hive as hidden).
 */
export function assertObjectKey(key: string): void {
  const problem = objectKeyProblem(key);
  if (problem) throw new InvalidObjectKeyError(key, problem);
}

export class InvalidObjectKeyError extends Error {
  constructor(
    readonly key: string,
    readonly problem: string,
  ) {
    super(`invalid object key ${JSON.stringify(key)}: ${problem}`);
    this.name = 'InvalidObjectKeyError';
  }
}

function objectKeyProblem(key: string): string | undefined {
  if (typeof key !== 'string' || key.length === 0) return 'must not be empty';
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) return `longer than ${MAX_KEY_BYTES} bytes`;
  if (key.startsWith('/')) return 'must be relative (no leading /)';
  if (key.includes('\\')) return 'must not contain a backslash';
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'must not contain control characters';
  for (const segment of key.split('/')) {
    if (segment === '') return 'must not contain empty segments (//) or end with /';
    if (segment === '.' || segment === '..') return 'must not contain . or .. segments';
    if (segment.startsWith('.')) return 'segments must not start with a dot';
  }
  return undefined;
}

/** A prefix for list(): empty, or a key-like string that may end with `/`. */
export function assertObjectPrefix(prefix: string): void {
  if (prefix === '') return;
  assertObjectKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}

/** S3's key order: the keys' UTF-8 bytes compared as unsigned numbers. */
export function compareObjectKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
