import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { UsageError } from './command.js';

/** How the CLI checks the broker's TLS certificate (mqtts://, wss://). */
export interface TlsSettings {
  /** PEM certificates to trust besides the system's: from `--ca FILE` or `TIDINGS_CA`. */
  ca?: string[];
  /** `--ca` or `TIDINGS_CA`: where `ca` came from, for messages. */
  caSource?: string;
  /** The file `ca` was read from. */
  caFile?: string;
  /** `--insecure` or `TIDINGS_INSECURE=1`: no certificate check at all (a warning every time). */
  insecure: boolean;
}

export const INSECURE_WARNING =
  "WARNING: --insecure: the broker's TLS certificate is not checked, so anyone on the way can read and change this connection, passwords included";

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function readCa(file: string, source: string): string[] {
  const accepted = 'give a PEM file with the CA certificate(s) to trust';
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : String((err as Error).message);
    throw new UsageError(`${source}: cannot read ${file} (${why}); ${accepted}`);
  }
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new UsageError(`${source}: ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----); ${accepted}`);
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch {
      throw new UsageError(`${source}: ${file} holds a certificate that cannot be read; ${accepted}`);
    }
  }
  return blocks;
}

function insecureOf(raw: string | undefined): boolean {
  const value = (raw ?? '').trim().toLowerCase();
  if (value === '' || value === '0' || value === 'false' || value === 'no') return false;
  if (value === '1' || value === 'true' || value === 'yes') return true;
  throw new UsageError(`TIDINGS_INSECURE takes 1 (skip the certificate check) or 0: ${raw}`);
}

/** The TLS settings of a command line: `--ca`, else `TIDINGS_CA`; `--insecure` or `TIDINGS_INSECURE`. Bad ones are usage errors. */
export function tlsSettingsOf(global: { ca?: string; insecure?: boolean }, env: Record<string, string | undefined>): TlsSettings {
  const insecure = global.insecure === true || insecureOf(env.TIDINGS_INSECURE);
  const [file, source] = global.ca !== undefined ? [global.ca, '--ca'] : env.TIDINGS_CA ? [env.TIDINGS_CA, 'TIDINGS_CA'] : [undefined, undefined];
  if (file === undefined || source === undefined) return { insecure };
  if (file.trim() === '') throw new UsageError(`${source} takes the path of a PEM file with the CA certificate(s) to trust`);
  return { ca: readCa(file, source), caSource: source, caFile: file, insecure };
}

/** mqtt.js options for these settings: the given CAs on top of the system's, or no check at all. */
export function mqttTlsOptions(tls: TlsSettings | undefined): { ca?: string[]; rejectUnauthorized?: boolean } {
  if (!tls) return {};
  const options: { ca?: string[]; rejectUnauthorized?: boolean } = {};
  if (tls.ca) options.ca = [...rootCertificates, ...tls.ca];
  if (tls.insecure) options.rejectUnauthorized = false;
  return options;
}

/**
 * True for a TLS error about the broker's certificate (self-signed, unknown issuer, expired, not
 * for this host name): Node names them by OpenSSL's codes. (The same test as @tidings/client's,
 * which is loaded only by commands that connect.)
 */
export function isCertificateError(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|HOSTNAME_MISMATCH/.test(code);
}
