import { defineConfig } from 'vitest/config';

/**
 * Files that flood a shared sandbox process and check it keeps its heartbeat: on this 2-core machine a second heavy
 * file beside them takes the CPU they measure against, so they run last, one at a time, with nothing else running.
 */
const ALONE = [
  'test/security/crafted-stacks.test.ts',
  'test/security/large-payload-flood.test.ts',
  'test/security/live-write-flood.test.ts',
];

// Tests create isolated-vm isolates (directly or through sandbox processes), so they run in
// forked processes started with --no-node-snapshot, as isolated-vm requires.
export default defineConfig({
  test: {
    pool: 'forks',
    execArgv: ['--no-node-snapshot'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'], exclude: ALONE, fileParallelism: true } },
      { extends: true, test: { name: 'alone', include: ALONE, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
