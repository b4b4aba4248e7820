/**
 * index.html carries AuthScreen's sign-in form as plain HTML, so a visitor on a slow link sees
 * it (with the stylesheet) and can type into it while the application is still downloading.
 * Its submit button is disabled ("Loading…"), so Enter cannot submit it. When the app starts it
 * replaces that markup with its own, in the same task (no frame is painted in between, so no
 * keystroke is lost), carrying over what was typed and where the caret was.
 */

export interface Typed {
  username: string;
  password: string;
  /** The input that had the focus, and its selection. */
  focus: { id: 'username' | 'password'; start: number | null; end: number | null } | null;
}

/** Reads the static form inside `container`, then empties it. Null when there is none. */
export function takeStaticForm(container: HTMLElement): Typed | null {
  const input = (id: string) => container.querySelector<HTMLInputElement>(`form input#${id}`);
  const username = input('username');
  const password = input('password');
  if (!username || !password) return null;
  const active = [username, password].find((i) => i === document.activeElement);
  const typed: Typed = {
    username: username.value,
    password: password.value,
    focus: active ? { id: active.id as 'username' | 'password', start: active.selectionStart, end: active.selectionEnd } : null,
  };
  container.replaceChildren();
  return typed;
}

/** Puts the focus and the caret back where they were, once the app's sign-in form is drawn. */
export function restoreFocus(container: HTMLElement, typed: Typed | null): void {
  if (!typed?.focus) return;
  const input = container.querySelector<HTMLInputElement>(`main.auth form input#${typed.focus.id}`);
  if (!input) return; // a saved session: the app opened the chat instead
  input.focus();
  if (typed.focus.start !== null && typed.focus.end !== null) input.setSelectionRange(typed.focus.start, typed.focus.end);
}
