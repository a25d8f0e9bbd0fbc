/**
 * Kafka's default partitioner for keyed messages: murmur2 of the key bytes, positive, modulo the
 * partition count. Using the same function in the embedded log puts a key on the same partition
 * number it would get from a real broker.
 */
const encoder = new TextEncoder();

export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = 0x9747b28c ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k =
      (data[i] as number) |
      ((data[i + 1] as number) << 8) |
      ((data[i + 2] as number) << 16) |
      ((data[i + 3] as number) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= (data[whole + 2] as number) << 16;
  if (rest >= 2) h ^= (data[whole + 1] as number) << 8;
  if (rest >= 1) {
    h ^= data[whole] as number;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

export function partitionForKey(key: string, partitions: number): number {
  return (murmur2(encoder.encode(key)) & 0x7fffffff) % partitions;
}

/** A partition chosen by the producer, checked against the topic's partition count. */
export function explicitPartition(topic: string, partition: number, partitions: number): number {
  if (!Number.isSafeInteger(partition) || partition < 0 || partition >= partitions)
    throw new RangeError(`partition ${partition} does not exist in ${topic} (${partitions} partitions)`);
  return partition;
}

/**
 * `partitionForKey` remembered per key, for keys that repeat (a symbol is the key of every one of
 * its mentions). Bounded: keys come from the data, so their number is the feed's to choose.
 */
export function cachedPartitioner(partitions: number, maxKeys = 65_536): (key: string) => number {
  const known = new Map<string, number>();
  return (key) => {
    let partition = known.get(key);
    if (partition === undefined) {
      partition = partitionForKey(key, partitions);
      if (known.size < maxKeys) known.set(key, partition);
    }
    return partition;
  };
}
