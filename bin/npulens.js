#!/usr/bin/env node
// npulens host CLI launcher: the compiled TypeScript lives in dist/ (`npm run build:ts`).
'use strict';
let cli;
try {
  cli = require('../dist/cli/main.js');
} catch (err) {
  process.stderr.write(`error: the CLI is not built: ${err.message.split('\n')[0]} (run \`npm run build\`)\n`);
  process.exit(1);
}
cli.runCli(process.argv.slice(2)).then((code) => { process.exitCode = code; });
