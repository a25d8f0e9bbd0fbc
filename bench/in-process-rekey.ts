/**
 * The re-keying between the two stages without the log, for the benches: stage 1's drained records
 * go through the internal topic's record form (`InternalRecordEncoder`, `decodeInternalRecords`),
 * each record to the stage-2 task of its partition, as `sentiment speed` sends them through Kafka.
 */
import { cachedPartitioner } from '../infra/kafka/partitioner.js';
import { decodeInternalRecords, type InternalRecord, InternalRecordEncoder } from '../schemas/speed.js';
import type { SymbolTask } from '../speed-layer/symbol-task.js';

export function inProcessRekey(
  tasks: readonly SymbolTask[],
): (records: InternalRecord[], now: number) => void {
  const encoder = new InternalRecordEncoder(tasks.length, cachedPartitioner(tasks.length));
  return (records, now) => {
    for (const record of records) encoder.add(record);
    for (const { partition, value } of encoder.finish()) {
      const decoded = decodeInternalRecords(value);
      if (!decoded) throw new Error('internal record did not round-trip');
      const task = tasks[partition] as SymbolTask;
      for (const record of decoded) task.onInternalRecord(record, now);
    }
  };
}
