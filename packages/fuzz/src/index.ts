export { NASTY_STRINGS, jsonSchemaOf, mutateBytes, requestArbitrary, valueArbitrary, type FieldHints, type JsonSchema } from './schema-arbitrary.js';
export { REPLY_WAIT_MS, judge, payloadArbitrary, runFuzz, type ActionTally, type FuzzOptions, type FuzzReport } from './fuzz.js';
export { FUZZ_PASSWORD, startFuzzTarget, type Answer, type FuzzTarget, type Sender } from './target.js';
