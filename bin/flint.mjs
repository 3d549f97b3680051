#!/usr/bin/env node
// Flint runs on Node.js 24 LTS, which the pinned `node` package puts in node_modules/.bin (npm scripts
// and npx use it). Refuse anything older: sandboxes must not run on a V8 without security fixes.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `flint: Node.js ${process.versions.node} is too old; Flint needs Node.js 24 or newer.\n` +
      `Run it through npm (npm start, npx flint ...), which uses the Node 24 that "npm install" put in node_modules/.bin.\n`,
  );
  process.exit(1);
}
await import('../cli/main.ts');
