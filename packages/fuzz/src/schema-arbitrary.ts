import fc, { type Arbitrary } from 'fast-check';
import { z } from 'zod';

/** The part of JSON Schema (2020-12) that zod's `toJSONSchema` writes for our request schemas. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

/** The JSON Schema of a zod schema as a client writes it (input side; refinements are not representable). */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/**
 * Values a field of a given name is worth trying besides random ones: names that exist in the
 * fuzzed system (so requests get past "not found" into the handlers), and names that are close.
 */
export type FieldHints = Record<string, readonly unknown[]>;

/** Strings that have broken parsers, databases and loggers before. */
export const NASTY_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800', // a lone high surrogate
  'x\uDC00y', // a lone low surrogate
  '\u0001'.repeat(100), // JSON escapes each to 6 bytes
  '"\\/\b\f\n\r\t',
  '\u202E\u200B\uFEFF',
  '😀'.repeat(50),
  '../../etc/passwd',
  '#',
  '+',
  't/u/+/#',
  '$SYS/x',
  '%s%n%x',
  '\'; DROP TABLE "Message"; --',
  '__proto__',
  'constructor',
  'NaN',
  '1e309',
];

const FIELD_DEPTH = 3;

function stringArbitrary(s: JsonSchema): Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? 200;
  const cap = Math.min(max, 120);
  const choices: Arbitrary<string>[] = [
    fc.string({ minLength: Math.min(min, cap), maxLength: cap }),
    fc.string({ unit: 'grapheme', maxLength: Math.min(cap, 40) }),
    fc.string({ unit: 'binary', maxLength: Math.min(cap, 40) }), // lone surrogates included
    fc.constantFrom(...NASTY_STRINGS),
    // the edges of the length limits, in characters that JSON escapes and in ones it does not
    fc.constantFrom(max, max + 1, Math.max(0, min - 1)).chain((n) => fc.constantFrom('x', '\u0001', 'é').map((c) => c.repeat(n))),
  ];
  if (s.pattern) choices.push(fc.stringMatching(new RegExp(s.pattern)));
  return fc.oneof(...choices);
}

function integerArbitrary(s: JsonSchema, integer: boolean): Arbitrary<number> {
  const lo = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -1_000_000);
  const hi = Math.min(s.maximum ?? 1_000_000, 1_000_000_000);
  const inRange = integer ? fc.integer({ min: Math.max(lo, -1_000_000_000), max: Math.max(hi, lo) }) : fc.double({ noNaN: true });
  return fc.oneof(inRange, fc.constantFrom(lo, hi, lo - 1, hi + 1, 0, -1, 1.5, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, -0, 1e308));
}

/**
 * An arbitrary of JSON values shaped by `schema`: mostly values of the schema's types near and at
 * its limits, sometimes values it refuses. `hints` adds, per property name, values that mean
 * something in the running system.
 */
export function valueArbitrary(schema: JsonSchema, hints: FieldHints = {}, name?: string, depth = 0): Arbitrary<unknown> {
  const hinted = name !== undefined && hints[name] && hints[name].length > 0 ? fc.constantFrom(...hints[name]) : undefined;
  const own = shapedArbitrary(schema, hints, depth);
  return hinted ? fc.oneof({ arbitrary: hinted, weight: 3 }, { arbitrary: own, weight: 2 }) : own;
}

function shapedArbitrary(schema: JsonSchema, hints: FieldHints, depth: number): Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.oneof({ arbitrary: fc.constantFrom(...schema.enum), weight: 4 }, { arbitrary: fc.string({ maxLength: 12 }), weight: 1 });
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives && alternatives.length > 0) return fc.oneof(...alternatives.map((a) => shapedArbitrary(a, hints, depth)));
  if (schema.allOf && schema.allOf.length > 0) return shapedArbitrary(schema.allOf[0] as JsonSchema, hints, depth);
  const type = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (type.length > 1) return fc.oneof(...type.map((t) => shapedArbitrary({ ...schema, type: t }, hints, depth)));
  switch (type[0]) {
    case 'string':
      return stringArbitrary(schema);
    case 'integer':
      return integerArbitrary(schema, true);
    case 'number':
      return integerArbitrary(schema, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      if (depth >= FIELD_DEPTH) return fc.constant([]);
      const items = schema.items ? shapedArbitrary(schema.items, hints, depth + 1) : fc.jsonValue({ maxDepth: 1 });
      return fc.array(items, { minLength: Math.min(schema.minItems ?? 0, 10), maxLength: Math.min(schema.maxItems ?? 10, 10) });
    }
    case 'object':
      return objectArbitrary(schema, hints, depth);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function objectArbitrary(schema: JsonSchema, hints: FieldHints, depth: number): Arbitrary<Record<string, unknown>> {
  if (depth >= FIELD_DEPTH) return fc.constant({});
  const properties = schema.properties ?? {};
  const model: Record<string, Arbitrary<unknown>> = {};
  for (const [key, sub] of Object.entries(properties)) model[key] = valueArbitrary(sub, hints, key, depth + 1);
  return fc.record(model, { requiredKeys: (schema.required ?? []).filter((k) => k in properties) });
}

/**
 * A request body shaped by the action's schema, or one broken on purpose: a required field
 * dropped, a field of the wrong type, an unknown field, or not an object at all.
 */
export function requestArbitrary(schema: JsonSchema, hints: FieldHints = {}): Arbitrary<unknown> {
  const shaped = objectArbitrary(schema, hints, 0);
  const keys = Object.keys(schema.properties ?? {});
  const broken: Arbitrary<unknown>[] = [
    fc.jsonValue({ maxDepth: 2 }),
    shaped.chain((body) => fc.tuple(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 })).map(([k, v]) => ({ ...body, [k]: v }))),
  ];
  if (keys.length > 0) {
    broken.push(
      shaped.chain((body) => fc.tuple(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 2 })).map(([k, v]) => ({ ...body, [k]: v }))),
      shaped.chain((body) =>
        fc.constantFrom(...keys).map((k) => {
          const copy: Record<string, unknown> = { ...body };
          delete copy[k];
          return copy;
        }),
      ),
    );
  }
  return fc.oneof({ arbitrary: shaped, weight: 6 }, { arbitrary: fc.oneof(...broken), weight: 2 });
}

/** Byte-level changes to a payload: what a broken or hostile client puts on the wire. */
export function mutateBytes(bytes: Buffer): Arbitrary<Buffer> {
  const len = bytes.length;
  const at = fc.integer({ min: 0, max: Math.max(0, len - 1) });
  const splice = (start: number, remove: number, insert: Buffer) =>
    Buffer.concat([bytes.subarray(0, start), insert, bytes.subarray(Math.min(len, start + remove))]);
  return fc.oneof(
    at.chain((i) => fc.integer({ min: 1, max: 255 }).map((x) => splice(i, 1, Buffer.from([(bytes[i] ?? 0) ^ x])))),
    at.map((i) => bytes.subarray(0, i)),
    fc.tuple(at, fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([i, b]) => splice(i, 0, Buffer.from(b))),
    fc
      .tuple(
        at,
        fc.constantFrom(Buffer.from([0xff]), Buffer.from([0xc0, 0x80]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('\\u0000'), Buffer.from('\\ud800')),
      )
      .map(([i, b]) => splice(i, 0, b)),
    fc.tuple(at, at).map(([i, j]) => splice(Math.min(i, j), 0, bytes.subarray(Math.min(i, j), Math.max(i, j) + 1))),
    fc.integer({ min: 2, max: 40 }).map((n) => Buffer.from('['.repeat(n * 50) + ']'.repeat(n * 50))),
  );
}
