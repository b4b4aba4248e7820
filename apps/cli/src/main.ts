#!/usr/bin/env node
import { EXIT_FAILED, run } from './run.js';

// A reader that goes away early (`tidings --help | head -1`) is not an error of ours.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
});

let finished = false;
// Should a command ever wait on something that can no longer happen, Node ends the process
// with status 13 and says nothing; say something, and fail like any other error.
process.on('exit', () => {
  if (finished) return;
  process.stderr.write('tidings: the command stopped before it finished (this is a bug in tidings)\n');
  process.exitCode = EXIT_FAILED;
});

const status = await run(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
finished = true;
process.exitCode = status;
// Every connection is closed by now, so the process ends on its own; should a stray handle
// still hold the event loop, do not leave the shell waiting.
setTimeout(() => process.exit(status), 1_000).unref();
