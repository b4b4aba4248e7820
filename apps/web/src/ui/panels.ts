// Screens opened later than the first one, loaded on demand to keep the first load light
// (the service worker still caches them for offline use).
export { AccountPanel } from './AccountPanel.js';
export { PeoplePanel } from './PeoplePanel.js';
export { RoomsPanel } from './RoomsPanel.js';
export { RoomPanel } from './RoomPanel.js';
export { SearchPanel } from './SearchPanel.js';
export { Switcher } from './Switcher.js';
