#!/usr/bin/env node
import { run } from './run.js';

// A reader that goes away early (`tidings --help | head -1`) is not an error of ours.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
});

const status = await run(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
process.exitCode = status;
// Every connection is closed by now, so the process ends on its own; should a stray handle
// still hold the event loop, do not leave the shell waiting.
setTimeout(() => process.exit(status), 1_000).unref();
