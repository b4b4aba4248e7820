#!/usr/bin/env node
// The quickstart's install step: `pnpm install --frozen-lockfile`, without the native modules'
// compiler output unless the install fails.
//
// argon2 and better-sqlite3 compile from source the first time a machine installs them (later
// installs take the built files from pnpm's store). On a terminal pnpm already folds that output
// into one "Running install script, done in …" line; piped into a file or a CI log it prints
// every node-gyp and compiler line (about 50, warnings included). Here those lines are held back
// and printed only if the install fails, so the user sees pnpm's progress and one line per build.
import { spawn } from 'node:child_process';
import readline from 'node:readline';

const args = ['install', '--frozen-lockfile', ...process.argv.slice(2)];
const tty = Boolean(process.stdout.isTTY);
const child = spawn('pnpm', args, { stdio: tty ? 'inherit' : ['inherit', 'pipe', 'pipe'], shell: process.platform === 'win32' });

/** A dependency's build script output: `…/node_modules/argon2 install: gyp info …`. */
const SCRIPT_OUTPUT = /^\S*node_modules\/(?:\.pnpm\/)?\S*\s+(?:pre|post)?install: /;
/** Its first line: `…/node_modules/argon2 install$ node-gyp-build`. */
const SCRIPT_START = /^\S*node_modules\/\S*?([^/\s]+)\s+(?:pre|post)?install\$ /;

const held = [];
if (!tty) {
  for (const [stream, out] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ]) {
    readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      const start = SCRIPT_START.exec(line);
      if (start) {
        held.push(line);
        out.write(`building ${start[1]} (native module; compiled once per machine, then taken from pnpm's store)\n`);
      } else if (SCRIPT_OUTPUT.test(line)) {
        held.push(line);
      } else {
        out.write(`${line}\n`);
      }
    });
  }
}

child.on('error', (err) => {
  process.stderr.write(`could not run pnpm: ${err.message}\n`);
  process.exit(1);
});
child.on('close', (code, signal) => {
  if (code !== 0 && held.length > 0) {
    process.stderr.write(`\nthe install failed; the build scripts' output:\n${held.join('\n')}\n`);
  }
  process.exit(code ?? (signal ? 1 : 0));
});
