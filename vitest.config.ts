import { defineConfig } from 'vitest/config';

// Two projects: unit tests run anywhere in seconds; integration tests need the
// local stack (Kafka, Flink, SQL Gateway, Redis) and run one file at a time so
// that two Flink jobs never fight over the TaskManager's slots.
export default defineConfig({
  test: {
    // dt-sql-parser's dist uses directory imports that plain Node ESM rejects.
    server: { deps: { inline: ['dt-sql-parser'] } },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.int.test.ts', 'test/e2e/**'],
          testTimeout: 10_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.int.test.ts', 'test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
