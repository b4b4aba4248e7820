export { createChatQuery, type ChatQuery, type ChatQueryDeps } from './service.js';
export { dmKeyOf, findConversation, otherOf, toWire, type ConversationHead, type MessageRow } from './context.js';
export { openHistoryReads, type HistoryReads, type PageQuery } from './reads.js';
