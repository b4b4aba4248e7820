export { createChatStore, type ChatStore, type ChatStoreDeps } from './service.js';
export { DEFAULT_SETTINGS, resolveSettings, type ChatStoreSettings } from './settings.js';
export { createSendBudget, sendWindowMs, type SendBudget } from './send-budget.js';
export {
  MessageWriter,
  UNAVAILABLE_RETRY_AFTER_S,
  type RetryPolicy,
  type SendInput,
  type SendOutcome,
  type StoredMessage,
  type WriterOptions,
} from './writer.js';
export { Directory, dmKeyOf, type ConversationInfo, type UserRef } from './directory.js';
