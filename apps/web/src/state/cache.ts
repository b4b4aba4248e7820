import { ConversationRef, Message } from '@tidings/protocol';
import type { ChatState } from './chat.js';
import { isRecord, readJson, writeJson, type KeyValue } from './storage.js';

/**
 * A cache of recent history in storage, so a reload — even offline — shows the conversations
 * at once. It keeps the conversation list (markers, last message) and the newest messages of
 * each conversation; after the reload the app fills the gap from `log.high` as usual.
 */
export const CACHE_VERSION = 1;
/** Messages kept per conversation. */
export const CACHED_MESSAGES = 50;
/** Conversations kept (the most recently active). */
export const CACHED_CONVERSATIONS = 40;

interface CachedConversation {
  c: string;
  lastSeq: number;
  readSeq: number;
  member: boolean;
  last?: Message;
  m: Message[];
}

function snapshot(state: ChatState, perConversation: number): { v: number; convs: CachedConversation[] } {
  const convs = state
    .list()
    .filter((c) => c.member)
    .slice(0, CACHED_CONVERSATIONS)
    .map((c) => {
      const entry: CachedConversation = {
        c: c.ref,
        lastSeq: c.lastSeq,
        readSeq: c.readSeq,
        member: c.member,
        m: perConversation > 0 ? c.log.messages().slice(-perConversation) : [],
      };
      if (c.last) entry.last = c.last;
      return entry;
    });
  return { v: CACHE_VERSION, convs };
}

/** Writes the cache; when storage is full, keeps fewer messages rather than none. */
export function saveChatCache(kv: KeyValue, key: string, state: ChatState): boolean {
  for (const n of [CACHED_MESSAGES, 10, 0]) if (writeJson(kv, key, snapshot(state, n))) return true;
  return false;
}

function message(v: unknown): Message | null {
  const parsed = Message.safeParse(v);
  return parsed.success ? parsed.data : null;
}

/** Fills a fresh ChatState from the cache. Anything unreadable is skipped: the server is the truth. */
export function loadChatCache(kv: KeyValue, key: string, state: ChatState): number {
  const stored = readJson(kv, key);
  if (!isRecord(stored) || stored.v !== CACHE_VERSION || !Array.isArray(stored.convs)) return 0;
  let loaded = 0;
  for (const entry of stored.convs) {
    if (!isRecord(entry) || typeof entry.c !== 'string' || typeof entry.lastSeq !== 'number' || typeof entry.readSeq !== 'number') continue;
    if (!ConversationRef.safeParse(entry.c).success) continue;
    const ref = entry.c;
    const messages = Array.isArray(entry.m) ? entry.m.map(message).filter((m): m is Message => m !== null) : [];
    state.addPage(ref, messages, entry.lastSeq);
    const conv = state.ensure(ref);
    conv.readSeq = Math.max(conv.readSeq, entry.readSeq);
    conv.member = entry.member !== false;
    const last = message(entry.last);
    if (last && (!conv.last || last.s >= conv.last.s)) conv.last = last;
    loaded++;
  }
  return loaded;
}
