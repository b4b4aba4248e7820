export { createChatQuery, type ChatQuery, type ChatQueryDeps } from './service.js';
export { dmKeyOf, findConversation, otherOf, toWire } from './context.js';
export { newerThan, olderThan, type PageQuery, type PageRow } from './page.js';
