export { createAuthService, type AuthService, type AuthServiceDeps } from './service.js';
export { createArgon2Hasher, ARGON2_OPTIONS, type Argon2Params, type PasswordHasher } from './hasher.js';
export { DEFAULT_SETTINGS, resolveSettings, type AuthSettings } from './settings.js';
export { INVALID_CREDENTIALS_MESSAGE } from './handlers/login.js';
