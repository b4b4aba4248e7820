export { createSecurityQuestionsService, type SecurityQuestionsService, type SecurityQuestionsServiceDeps } from './service.js';
export { createArgon2Hasher, ARGON2_OPTIONS, type Argon2Params, type SecretHasher } from './hasher.js';
export { DEFAULT_SETTINGS, resolveSettings, type RecoverySettings } from './settings.js';
export { RECOVERY_KEY_FILE, codeHash, decoyQuestion, deriveKeys, loadOrCreateRecoveryKey, newRecoveryCode, type RecoveryKeys } from './keys.js';
export { RECOVERY_FAILED_MESSAGE } from './handlers/reset.js';
