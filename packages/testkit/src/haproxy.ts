/** A broker as HAProxy sees it in a test: its MQTT port, and the HTTP port it checks `/healthz` on. */
export interface HaproxyBroker {
  mqttPort: number;
  httpPort: number;
}

/** A front door on 127.0.0.1:port to brokers: the first is used while up, the rest are backups, or all in turn (`balance: true`). */
export interface HaproxyDoor {
  name: string;
  port: number;
  brokers: { name: string; broker: HaproxyBroker }[];
  balance?: boolean;
}

/**
 * An HAProxy configuration for tests and benchmarks of a broker cluster, with time scaled down:
 * a broker is down after two failed `/healthz` checks 200 ms apart, and a connection to a dead
 * one is tried again on another (`retries 2`, `option redispatch`). One frontend and backend per door.
 */
export function haproxyTestConfig(doors: HaproxyDoor[]): string {
  const lines = [
    'global',
    '  maxconn 4000',
    'defaults',
    '  mode tcp',
    '  timeout connect 1s',
    '  timeout client 1m',
    '  timeout server 1m',
    '  retries 2',
    '  option redispatch 1',
    '  default-server inter 200ms fall 2 rise 2',
  ];
  for (const door of doors) {
    lines.push(`frontend ${door.name}`, `  bind 127.0.0.1:${door.port}`, `  default_backend ${door.name}`);
    lines.push(`backend ${door.name}`, '  option httpchk', '  http-check send meth GET uri /healthz', '  http-check expect status 200');
    if (door.balance) lines.push('  balance roundrobin');
    door.brokers.forEach(({ name, broker }, i) =>
      lines.push(`  server ${name} 127.0.0.1:${broker.mqttPort} check port ${broker.httpPort}${door.balance || i === 0 ? '' : ' backup'}`),
    );
  }
  return `${lines.join('\n')}\n`;
}
