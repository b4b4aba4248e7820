export { createPresence, type PresenceDeps, type PresenceService } from './service.js';
export { DEFAULT_SETTINGS, resolveSettings, type PresenceSettings } from './settings.js';
export { DeviceMap, parseDeviceMessage, type DeviceParse, type DeviceReport, type Transition } from './devices.js';
export { TypingLimiter } from './typing.js';
