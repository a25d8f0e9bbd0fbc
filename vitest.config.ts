import { defineConfig } from 'vitest/config';

// Unit tests only: fast, no servers. The integration suite (test/integration) runs against real
// Kafka, Cassandra and MinIO through `npm run test:integration`.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'test/integration/**', 'data/**', '.data/**'],
    pool: 'forks',
    reporters: ['default', ['./test/summary-reporter.ts', { label: 'unit' }]],
    testTimeout: 20_000,
  },
});
