// Writes docs/asyncapi.yaml from the protocol package (run after `pnpm build`).
// test/asyncapi.test.ts fails when the checked-in file and the package disagree.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { buildAsyncApi } from '../dist/index.js';

export const ASYNCAPI_FILE = path.join(import.meta.dirname, '../../../docs/asyncapi.yaml');
export const HEADER = '# GENERATED from packages/protocol by `pnpm --filter @tidings/protocol asyncapi`: do not edit.\n';

/**
 * YAML that reads the same under YAML 1.1 and 1.2: written with the 1.1 schema, so every string
 * a 1.1 parser would take for something else (`on`, `off`, `yes`, `no`, `y`, `n`, `0777`, dates,
 * `1_000`, sexagesimal `1:20`) is quoted; quoted strings are strings in 1.2 as well.
 */
export function render() {
  return HEADER + stringify(buildAsyncApi(), { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(ASYNCAPI_FILE, render());
  console.log(`wrote ${path.relative(process.cwd(), ASYNCAPI_FILE)}`);
}
