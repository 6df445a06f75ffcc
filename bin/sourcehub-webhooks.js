#!/usr/bin/env node
// The installed command: the CLI is built with the services (`npm run build`) into dist/apps/cli.
const path = require('node:path');
const main = path.join(__dirname, '..', 'dist', 'apps', 'cli', 'main.js');
try {
  require.resolve(main);
} catch {
  process.stderr.write(`error: ${main} is missing; run \`npm run build\` first\n`);
  process.exit(1);
}
require(main);
