#!/usr/bin/env node
import { runCli } from './command.js';

const stop = new AbortController();
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(130); // a second signal: at once
    stopping = true;
    stop.abort();
  });
}
process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: stop.signal });
