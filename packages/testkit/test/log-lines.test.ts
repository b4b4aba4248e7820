import { describe, expect, it } from 'vitest';
import { checkJsonLine, logLineProblems } from '../src/index.js';

describe('checkJsonLine', () => {
  it('finds a key written twice, which JSON.parse hides', () => {
    const line = '{"level":30,"service":"broker","component":"broker","service":"chat-query","status":"up","msg":"service health"}';
    expect((JSON.parse(line) as { service: string }).service).toBe('chat-query');
    expect(checkJsonLine(line).duplicates).toEqual(['service']);
  });

  it('finds duplicates at any depth, tells escaped keys apart by their value and leaves equal keys in different objects alone', () => {
    expect(checkJsonLine('{"a":{"b":1,"b":2},"c":[{"d":1,"d":2}]}').duplicates).toEqual(['a.b', 'c[0].d']);
    expect(checkJsonLine('{"a":1,"\\u0061":2}').duplicates).toEqual(['a']);
    expect(checkJsonLine('{"a":{"x":1},"b":{"x":1},"s":"\\"a\\":1, \\"a\\":2"}').duplicates).toEqual([]);
  });

  it('says when a text is not JSON', () => {
    for (const bad of ['[tidings] running', '{"a":1', '{"a":01}', '{"a":1} x', "{'a':1}", '']) expect(checkJsonLine(bad).error, bad).toBeDefined();
    expect(checkJsonLine(' {"n":-1.5e3,"t":true,"f":false,"z":null,"e":{},"l":[]} ')).toMatchObject({ duplicates: [], value: { n: -1500 } });
  });

  it('logLineProblems names each line that is not one JSON object with every key once', () => {
    expect(logLineProblems(['{"a":1}', '{"a":1,"a":2}', '[1]', 'Error: boom'])).toEqual([
      { line: '{"a":1,"a":2}', problem: 'a key more than once: a' },
      { line: '[1]', problem: 'not a JSON object' },
      { line: 'Error: boom', problem: expect.stringMatching(/^not JSON/) },
    ]);
  });
});
