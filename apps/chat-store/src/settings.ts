/** Tunables of chat-store. Defaults are production values; tests shorten some. */
export interface ChatStoreSettings {
  /** Most sends written in one transaction (group commit). */
  maxBatch: number;
  /** Sends per user per second (the steady budget; with sendBurst, the burst on top: send-budget.ts). */
  sendRatePerSecond: number;
  /** Sends a user may make at once (the points of each window). */
  sendBurst: number;
  /** Acks of recent sends kept in memory, so a retry is answered without the database. */
  recentAcks: number;
  /** Entries each in-memory cache keeps (users, conversations, memberships, sequence numbers, send-limit keys in memory). */
  cacheSize: number;
  /**
   * How long a send waits for a database that fails transiently (read-only, restarting, locked)
   * before it is answered UNAVAILABLE, in ms; 0 answers at the first failure (TIDINGS_DB_RETRY_SECONDS).
   */
  dbRetryMs: number;
  /** The writer's first pause after a transient failure, doubling with each one in a row… */
  dbRetryBaseMs: number;
  /** …up to this, so the database is tried at least this often while sends wait. */
  dbRetryMaxMs: number;
  /** Sends waiting to be stored at most; past it new sends get UNAVAILABLE at once (TIDINGS_SEND_QUEUE). */
  maxWaiting: number;
  /** Rooms one user may have created (deleted rooms do not exist, so do not count); past it room.create is FORBIDDEN (TIDINGS_ROOMS_PER_USER). */
  roomsPerUser: number;
}

/** The largest batch the writer's statements allow (see batch-sql.ts). */
export const MAX_BATCH = 2000;

export const DEFAULT_SETTINGS: ChatStoreSettings = {
  maxBatch: 256,
  sendRatePerSecond: 10,
  sendBurst: 20,
  recentAcks: 50_000,
  cacheSize: 100_000,
  dbRetryMs: 30_000,
  dbRetryBaseMs: 50,
  dbRetryMaxMs: 1000,
  maxWaiting: 10_000,
  roomsPerUser: 50,
};

/** Settings that may be 0. */
const MAY_BE_ZERO = new Set<keyof ChatStoreSettings>(['dbRetryMs']);

export function resolveSettings(partial: Partial<ChatStoreSettings> = {}): ChatStoreSettings {
  const settings = { ...DEFAULT_SETTINGS };
  for (const [key, value] of Object.entries(partial) as [keyof ChatStoreSettings, number | undefined][]) {
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0 || (value === 0 && !MAY_BE_ZERO.has(key))) {
      throw new RangeError(`chat-store setting ${key} must be a ${MAY_BE_ZERO.has(key) ? 'non-negative' : 'positive'} number, got ${value}`);
    }
    settings[key] = value;
  }
  // A batch's statements carry ~9 parameters per message; SQLite allows 32766 per statement.
  if (!Number.isInteger(settings.maxBatch) || settings.maxBatch > MAX_BATCH) {
    throw new RangeError(`chat-store setting maxBatch must be an integer of at most ${MAX_BATCH}`);
  }
  if (settings.sendBurst < 1) throw new RangeError('chat-store setting sendBurst must be at least 1');
  if (!Number.isInteger(settings.maxWaiting)) throw new RangeError('chat-store setting maxWaiting must be an integer');
  if (!Number.isInteger(settings.roomsPerUser)) throw new RangeError('chat-store setting roomsPerUser must be an integer');
  if (settings.dbRetryMaxMs < settings.dbRetryBaseMs) throw new RangeError('chat-store setting dbRetryMaxMs must be at least dbRetryBaseMs');
  return settings;
}
