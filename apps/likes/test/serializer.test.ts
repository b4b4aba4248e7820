import { describe, expect, it } from 'vitest';
import { KeyedSerializer } from '../src/serializer.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('KeyedSerializer', () => {
  it('runs the tasks of one key one at a time, in the order given', async () => {
    const serial = new KeyedSerializer();
    const log: string[] = [];
    const task = (name: string, steps: number) => async () => {
      log.push(`${name} start`);
      for (let i = 0; i < steps; i++) await tick();
      log.push(`${name} end`);
      return name;
    };
    const results = await Promise.all([serial.run('m1', task('a', 3)), serial.run('m1', task('b', 1)), serial.run('m1', task('c', 0))]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
    expect(serial.size).toBe(0);
  });

  it('runs different keys side by side', async () => {
    const serial = new KeyedSerializer();
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = serial.run('m1', async () => {
      log.push('m1 start');
      await gate;
      log.push('m1 end');
    });
    await serial.run('m2', async () => void log.push('m2 ran'));
    release();
    await slow;
    expect(log).toEqual(['m1 start', 'm2 ran', 'm1 end']);
  });

  it('goes on with the next task after one fails, and hands the failure to its caller only', async () => {
    const serial = new KeyedSerializer();
    const failing = serial.run('m1', async () => {
      throw new Error('boom');
    });
    const next = serial.run('m1', async () => 'fine');
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('fine');
  });
});
