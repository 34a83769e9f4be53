import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // PostgreSQL tests each use their own schema and SQLite tests their own file, so files can run in parallel.
    fileParallelism: true,
    pool: 'forks',
  },
});
