/** Tunables of chat-store. Defaults are production values; tests shorten some. */
export interface ChatStoreSettings {
  /** Most sends written in one transaction (group commit). */
  maxBatch: number;
  /** Sustained sends per user per second (token bucket refill rate). */
  sendRatePerSecond: number;
  /** Sends a user may burst before the rate applies (token bucket size). */
  sendBurst: number;
  /** Acks of recent sends kept in memory, so a retry is answered without the database. */
  recentAcks: number;
  /** Entries each in-memory cache keeps (users, conversations, memberships, sequence numbers, buckets). */
  cacheSize: number;
}

/** The largest batch the writer's statements allow (see batch-sql.ts). */
export const MAX_BATCH = 2000;

export const DEFAULT_SETTINGS: ChatStoreSettings = {
  maxBatch: 256,
  sendRatePerSecond: 10,
  sendBurst: 20,
  recentAcks: 50_000,
  cacheSize: 100_000,
};

export function resolveSettings(partial: Partial<ChatStoreSettings> = {}): ChatStoreSettings {
  const settings = { ...DEFAULT_SETTINGS };
  for (const [key, value] of Object.entries(partial) as [keyof ChatStoreSettings, number | undefined][]) {
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`chat-store setting ${key} must be a positive number, got ${value}`);
    settings[key] = value;
  }
  // A batch's statements carry ~8 parameters per message; SQLite allows 32766 per statement.
  if (!Number.isInteger(settings.maxBatch) || settings.maxBatch > MAX_BATCH) {
    throw new RangeError(`chat-store setting maxBatch must be an integer of at most ${MAX_BATCH}`);
  }
  if (settings.sendBurst < 1) throw new RangeError('chat-store setting sendBurst must be at least 1');
  return settings;
}
