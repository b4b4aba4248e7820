// Writes docs/asyncapi.yaml from the protocol package (run after `pnpm build`).
// test/asyncapi.test.ts fails when the checked-in file and the package disagree.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { buildAsyncApi } from '../dist/index.js';

export const ASYNCAPI_FILE = path.join(import.meta.dirname, '../../../docs/asyncapi.yaml');
export const HEADER = '# GENERATED from packages/protocol by `pnpm --filter @tidings/protocol asyncapi`: do not edit.\n';

export function render() {
  return HEADER + stringify(buildAsyncApi(), { lineWidth: 0, aliasDuplicateObjects: false });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(ASYNCAPI_FILE, render());
  console.log(`wrote ${path.relative(process.cwd(), ASYNCAPI_FILE)}`);
}
