import { userKey } from '../state/identity.js';
import type { KeyValue } from '../state/storage.js';

/**
 * Desktop notifications for direct messages and mentions while the tab is hidden. Off until the
 * user turns them on in Account (a click, so the browser's permission question comes from a user
 * gesture; nothing asks on page load); the choice is kept per user and forgotten at sign-out.
 */
export const notifyKey = (username: string): string => userKey(username, 'notify');

export function notifySupported(): boolean {
  return typeof Notification !== 'undefined';
}

/** On: the user turned them on here and the browser allows them. */
export function notifyOn(kv: KeyValue, username: string): boolean {
  return kv.get(notifyKey(username)) === '1' && notifySupported() && Notification.permission === 'granted';
}

/** Shows one notification for `ref` (a newer one for the same conversation replaces it); a click opens the conversation. */
export function alertUser(kv: KeyValue, username: string, ref: string, from: string, text: string | null): void {
  if (document.visibilityState !== 'hidden' || !notifyOn(kv, username)) return;
  const dm = ref.startsWith('@');
  const n = new Notification(dm ? from : `${from} in #${ref}`, {
    body: text === null ? `${from} mentioned you in #${ref}` : text.length > 140 ? `${text.slice(0, 140)}…` : text,
    tag: ref,
  });
  n.onclick = () => {
    focus();
    location.hash = `#/c/${ref}`;
    n.close();
  };
}
