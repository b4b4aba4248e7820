import { roomEventWords, type RoomEvent } from '@tidings/protocol';

/** Short, human times for a chat: "now", "5 min ago", "3 h ago", "yesterday", a date. */
export function ago(at: number, now: number): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  if (d === 1) return 'yesterday';
  if (d < 7) return `${d} days ago`;
  return new Date(at).toLocaleDateString();
}

/** Time of a message: hours and minutes today, else with the date. */
export function clock(at: number, now: number): string {
  const d = new Date(at);
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return new Date(now).toDateString() === d.toDateString() ? time : `${d.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${time}`;
}

export function fullDate(at: number): string {
  return new Date(at).toLocaleString();
}

/** How a conversation is named on screen: `#general`, `@bob`. */
export function title(ref: string): string {
  return ref.startsWith('@') ? ref : `#${ref}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A room event as a line of the conversation: "alice banned bob", "alice set the topic: …". */
export function eventText(u: string, ev: RoomEvent, now: number): string {
  return roomEventWords(u, ev, (ms) => clock(ms, now));
}
