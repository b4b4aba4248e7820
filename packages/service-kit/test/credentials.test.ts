import { mkdtempSync, rmSync, statSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CREDENTIALS_FILE, SERVICES, loadOrCreateServiceCredentials } from '../src/index.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('service credentials', () => {
  it('creates a secret per service in a 0600 file on first start and reads the same ones later', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tidings-cred-'));
    const first = loadOrCreateServiceCredentials(dir);
    for (const s of SERVICES) expect(first[s]).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(new Set(Object.values(first)).size).toBe(SERVICES.length);
    expect(statSync(path.join(dir, CREDENTIALS_FILE)).mode & 0o777).toBe(0o600);
    expect(loadOrCreateServiceCredentials(dir)).toEqual(first);
  });

  it('adds a secret for a service the file did not know yet and keeps the others', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tidings-cred-'));
    const file = path.join(dir, CREDENTIALS_FILE);
    writeFileSync(file, JSON.stringify({ auth: 'kept-secret-value-123456' }), { mode: 0o600 });
    const creds = loadOrCreateServiceCredentials(dir);
    expect(creds.auth).toBe('kept-secret-value-123456');
    expect(creds['chat-store']).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(creds);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
