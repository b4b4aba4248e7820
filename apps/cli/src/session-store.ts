import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEVICE_PATTERN, TidingsError, USERNAME_PATTERN } from '@tidings/protocol';

/** What `tidings login` keeps on this machine. The token is a secret: the file is 0600. */
export interface Session {
  url: string;
  username: string;
  token: string;
  sessionId: string;
  expiresAt: number;
  device: string;
}

/** Where the CLI keeps its files: $TIDINGS_CLI_HOME, else $XDG_CONFIG_HOME/tidings, else ~/.config/tidings. */
export function cliHomeDir(env: Record<string, string | undefined>): string {
  if (env.TIDINGS_CLI_HOME) return env.TIDINGS_CLI_HOME;
  const config = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(config, 'tidings');
}

function isSession(value: unknown): value is Session {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Record<string, unknown>;
  return (
    typeof s.url === 'string' &&
    typeof s.username === 'string' &&
    USERNAME_PATTERN.test(s.username) &&
    typeof s.token === 'string' &&
    s.token.length > 0 &&
    typeof s.sessionId === 'string' &&
    typeof s.expiresAt === 'number' &&
    typeof s.device === 'string' &&
    DEVICE_PATTERN.test(s.device)
  );
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** The CLI's directory (0700): `session.json` (0600) and `device` (the default device id). */
export class CliHome {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  get sessionPath(): string {
    return join(this.dir, 'session.json');
  }

  get devicePath(): string {
    return join(this.dir, 'device');
  }

  /** Creates the directory with mode 0700 if it is missing (an existing directory is left as it is). */
  async ensure(): Promise<void> {
    const created = await mkdir(this.dir, { recursive: true, mode: 0o700 });
    // mkdir's mode is filtered by the umask; set it exactly on the directory we made.
    if (created !== undefined) await chmod(this.dir, 0o700);
  }

  /** The saved session, or null when there is none. A damaged file is an error that says what to do. */
  async readSession(): Promise<Session | null> {
    let text: string;
    try {
      text = await readFile(this.sessionPath, 'utf8');
    } catch (err) {
      if (errno(err) === 'ENOENT') return null;
      throw err;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    if (!isSession(value)) {
      throw new TidingsError('UNAUTHORIZED', `the session file ${this.sessionPath} is damaged: remove it and sign in again`);
    }
    return value;
  }

  /** Writes the session atomically (a 0600 temporary file renamed over the old one). */
  async writeSession(session: Session): Promise<void> {
    await this.ensure();
    const tmp = `${this.sessionPath}.${randomBytes(6).toString('hex')}.tmp`;
    const file = await open(tmp, 'wx', 0o600);
    try {
      await file.chmod(0o600);
      await file.writeFile(`${JSON.stringify(session, null, 2)}\n`);
      await file.sync();
    } catch (err) {
      await file.close();
      await rm(tmp, { force: true });
      throw err;
    }
    await file.close();
    await rename(tmp, this.sessionPath);
  }

  /** Removes the saved session; true when there was one. */
  async removeSession(): Promise<boolean> {
    try {
      await rm(this.sessionPath);
      return true;
    } catch (err) {
      if (errno(err) === 'ENOENT') return false;
      throw err;
    }
  }

  /** This machine's device id: made once at random (`cli-…`) and kept, so the broker keeps one session per device. */
  async deviceId(): Promise<string> {
    try {
      return this.#checkDevice((await readFile(this.devicePath, 'utf8')).trim());
    } catch (err) {
      if (errno(err) !== 'ENOENT') throw err;
    }
    await this.ensure();
    const device = `cli-${randomBytes(9).toString('base64url')}`;
    try {
      const file = await open(this.devicePath, 'wx', 0o600);
      await file.writeFile(`${device}\n`);
      await file.close();
      return device;
    } catch (err) {
      // Another tidings process made it first: use theirs.
      if (errno(err) === 'EEXIST') return this.#checkDevice((await readFile(this.devicePath, 'utf8')).trim());
      throw err;
    }
  }

  #checkDevice(device: string): string {
    if (!DEVICE_PATTERN.test(device)) {
      throw new TidingsError('BAD_REQUEST', `the device id in ${this.devicePath} is not valid: remove the file or pass --device <label>`);
    }
    return device;
  }
}
