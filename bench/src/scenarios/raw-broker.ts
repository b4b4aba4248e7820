import type { RunArgs, RunResult, SetupArgs } from '../gen/raw.js';
import { cpuMeter, findMosquitto, startGenerator, startMosquitto } from '../procs.js';
import { summarize } from '../stats.js';
import { startSut } from '../sut.js';
import type { Latency, ScenarioContext } from './context.js';

/** Scenario 1: our broker with authentication off against Mosquitto, plain MQTT at QoS 1. */

export interface RawRun {
  messagesPerSecond: number;
  deliveriesPerSecond: number;
  latency: Latency;
  /** Deliveries that never arrived (fixed-rate runs). */
  missing: number;
  /** CPU share of the broker and of the generator during the run (1 = one core). */
  cpu: { broker: number; generator: number };
}

export interface RawSystem {
  system: 'tidings' | 'mosquitto';
  version: string;
  oneToOne: { saturation: RawRun; fixed: RawRun };
  fanOut: { saturation: RawRun; fixed: RawRun };
}

export interface RawBrokerResult {
  params: {
    pairs: number;
    pairWindow: number;
    subscribers: number;
    fanWindow: number;
    oneToOneRate: number;
    fanOutRate: number;
    seconds: number;
  };
  systems: RawSystem[];
  mosquitto?: string;
}

export async function rawBroker(ctx: ScenarioContext): Promise<RawBrokerResult> {
  const params = {
    pairs: 10,
    pairWindow: 10,
    subscribers: 100,
    fanWindow: 5,
    oneToOneRate: 1000,
    fanOutRate: 100,
    seconds: ctx.quick ? 0.5 : 5,
  };
  const warmupMs = ctx.quick ? 200 : 1000;
  const result: RawBrokerResult = { params, systems: [] };
  const binary = findMosquitto();
  if (!binary) {
    result.mosquitto = 'mosquitto not found (looked in BENCH_MOSQUITTO and the usual sbin/bin folders): baseline skipped';
    ctx.note(result.mosquitto);
  }

  const systems: ('tidings' | 'mosquitto')[] = binary ? ['tidings', 'mosquitto'] : ['tidings'];
  for (const system of systems) {
    let port: number;
    let pid: number;
    let version: string;
    let stop: () => Promise<void>;
    if (system === 'tidings') {
      const sut = await startSut({ auth: false });
      port = sut.mqttPort;
      pid = sut.broker.pid;
      version = 'aedes 1.2.0, auth off';
      stop = () => sut.stop();
    } else {
      const m = await startMosquitto(binary!);
      port = m.port;
      pid = m.pid;
      version = `mosquitto ${m.version}, default limits`;
      stop = () => m.stop();
    }
    const gen = await startGenerator('raw');
    try {
      const measure = async (label: string, setup: Omit<SetupArgs, 'port' | 'label'>, run: Omit<RunArgs, 'warmupMs' | 'durationMs'>): Promise<RawRun> => {
        await gen.call('setup', { ...setup, port, label: `${system}-${label}` });
        const cpu = cpuMeter({ broker: pid, generator: gen.pid });
        const r = await gen.call<RunResult>('run', { ...run, warmupMs, durationMs: params.seconds * 1000 });
        const usage = cpu();
        await gen.call('teardown');
        const out: RawRun = {
          messagesPerSecond: Math.round(r.messagesPerSecond),
          deliveriesPerSecond: Math.round(r.deliveriesPerSecond),
          latency: summarize(r.latencies),
          missing: r.missing,
          cpu: { broker: usage.broker!, generator: usage.generator! },
        };
        ctx.progress(`${system} ${label}: ${out.deliveriesPerSecond.toLocaleString('en')} deliveries/s, p50 ${out.latency.p50} ms, p99 ${out.latency.p99} ms`);
        return out;
      };
      const oneToOne = {
        saturation: await measure('1:1 saturation', { mode: 'pairs', count: params.pairs }, { window: params.pairWindow }),
        fixed: await measure(`1:1 at ${params.oneToOneRate}/s`, { mode: 'pairs', count: params.pairs }, { rate: params.oneToOneRate }),
      };
      const fanOut = {
        saturation: await measure(`1:${params.subscribers} saturation`, { mode: 'fanout', count: params.subscribers }, { window: params.fanWindow }),
        fixed: await measure(`1:${params.subscribers} at ${params.fanOutRate}/s`, { mode: 'fanout', count: params.subscribers }, { rate: params.fanOutRate }),
      };
      result.systems.push({ system, version, oneToOne, fanOut });
    } finally {
      await gen.kill();
      await stop();
    }
  }
  return result;
}
