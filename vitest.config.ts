import { defineConfig } from 'vitest/config';

// Tests create isolated-vm isolates (directly or through sandbox processes), so they run in
// forked processes started with --no-node-snapshot, as isolated-vm requires.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    execArgv: ['--no-node-snapshot'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});
