import { render } from 'preact';
import type { IClientOptions } from 'mqtt';
import { brokerUrl } from './app/broker-url.js';
import { createWorkerTimer } from './net/timer.js';
import { browserStore, memoryStore } from './state/storage.js';
import { App } from './ui/App.js';
import { restoreFocus, takeStaticForm } from './ui/static-form.js';

const kv = (() => {
  try {
    return browserStore(window.localStorage);
  } catch {
    return memoryStore();
  }
})();

const mqtt: IClientOptions = { timerVariant: createWorkerTimer() };

// index.html shows the sign-in form before this script arrives: take over what was typed there.
const container = document.getElementById('app')!;
const typed = takeStaticForm(container);
render(<App kv={kv} url={brokerUrl(location, import.meta.env.DEV)} mqtt={mqtt} typed={typed} />, container);
restoreFocus(container, typed);

// The app shell is cached by a service worker, so a reload without a network still opens the
// app (and the history cache in storage shows the conversations).
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  navigator.serviceWorker.register('./sw.js').catch(() => {});
}
