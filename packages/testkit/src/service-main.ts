import { afterEach, expect, it } from 'vitest';
import { describeBackends } from './backends.js';
import { logLineProblems } from './log-lines.js';
import { runServiceProcess, serviceHealth, stackEnv, waitForHealthy, type ServiceProcess } from './process.js';
import { startTestStack, type TestStack } from './stack.js';

export interface ServiceMainSpec {
  /** The service's name, as it reports its health (`auth`, `chat-store`, …). */
  service: string;
  /** Its built entry point (`dist/main.js`). */
  script: string;
  /** What the running process is shown to do, for the test's name ("serves history"). */
  does: string;
  /** Settings for the run besides the stack's own (and TIDINGS_LOG_LEVEL=debug): they must take effect. */
  env?: Record<string, string>;
  /** Data the process should find when it starts. */
  before?: (stack: TestStack) => Promise<void>;
  /**
   * Talks to the running process and checks what it answered. Returns the secrets it used
   * (passwords, tokens, answers): none may appear in the process's output, at debug level.
   */
  exercise: (stack: TestStack) => Promise<string[]>;
  /** A setting the process must refuse to start with, naming it on stderr. */
  badSetting: { name: string; value: string };
}

/**
 * The two checks every service's `main` gets, on SQLite and PostgreSQL: run as its own process
 * from the environment alone, it reports `up`, does its job, keeps secrets out of its log, writes
 * each log line as one JSON object with every key once, and on SIGTERM stops with exit code 0,
 * reporting `down`; and a bad setting stops it at start (exit code 2) with one line naming the
 * variable and what it accepts.
 */
export function describeServiceMain(spec: ServiceMainSpec): void {
  describeBackends(`the ${spec.service} process (dist/main.js)`, (backend) => {
    let stack: TestStack | undefined;
    let proc: ServiceProcess | undefined;
    afterEach(async () => {
      proc?.kill();
      proc = undefined;
      await stack?.close();
      stack = undefined;
    });

    it(`reads its config from the environment, ${spec.does}, reports health and stops cleanly on SIGTERM`, async () => {
      stack = await startTestStack({ postgres: backend === 'postgres' });
      await spec.before?.(stack);
      proc = runServiceProcess({ script: spec.script, env: { ...stackEnv(stack), TIDINGS_LOG_LEVEL: 'debug', TIDINGS_OPS_PORT: '0', ...spec.env } });
      await waitForHealthy(stack, spec.service);
      // Health says "connected"; the log says when its requests are subscribed.
      await proc.waitFor('"msg":"started"');
      const secrets = await spec.exercise(stack);

      // Its operations endpoint: /healthz up while connected, /metrics named after the process.
      const opsLine = proc.lines().find((l) => l.includes('"msg":"ops endpoint listening'));
      const port = (JSON.parse(opsLine ?? '{}') as { port?: number }).port;
      expect(port, 'the ops endpoint logs its port').toBeTypeOf('number');
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect([health.status, await health.json()]).toEqual([200, { status: 'up', service: spec.service }]);
      expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toMatch(
        new RegExp(`^process_cpu_user_seconds_total\\{service="${spec.service}"\\} `, 'm'),
      );

      expect(await proc.stop('SIGTERM')).toBe(0);
      expect(await serviceHealth(stack, spec.service)).toBe('down');
      expect(proc.output()).toContain('"msg":"stopped"');
      for (const secret of secrets) expect(proc.output()).not.toContain(secret);
      // One JSON object per line, every key once (JSON.parse would hide a second `component`).
      expect(logLineProblems(proc.lines())).toEqual([]);
    });

    it('refuses to start with a bad setting and names it', async () => {
      proc = runServiceProcess({ script: spec.script, env: { [spec.badSetting.name]: spec.badSetting.value, TIDINGS_DATA_DIR: '/nonexistent/never-used' } });
      expect(await proc.exited).toBe(2);
      // One line: `<service>: <VARIABLE> must be <what it accepts> (got "<value>")`, and nothing else.
      const [line, ...more] = proc.stderr().split('\n');
      expect(more).toEqual(['']);
      expect(line).toMatch(new RegExp(`^${spec.service}: ${spec.badSetting.name} must be .+ \\(got .+\\)$`));
      expect(proc.output()).toBe(proc.stderr());
    });
  });
}
