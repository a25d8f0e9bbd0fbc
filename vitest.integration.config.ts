import { defineConfig } from 'vitest/config';

// The integration suite: real Kafka, Cassandra and MinIO started by infra/local. Run it with
// `npm run test:integration` (sentiment infra test), which starts the servers and sets the
// KAFKA_BROKERS/CASSANDRA_*/S3_* variables. One file at a time: the files share the servers, and
// some stop and restart them.
export default defineConfig({
  test: {
    include: ['test/integration/**/*.test.ts'],
    exclude: ['node_modules/**', 'data/**', '.data/**'],
    pool: 'forks',
    reporters: ['default', ['./test/summary-reporter.ts', { label: 'integration' }]],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 300_000,
    teardownTimeout: 60_000,
  },
});
