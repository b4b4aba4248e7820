export { createChatQuery, type ChatQuery, type ChatQueryDeps } from './service.js';
export { dmKeyOf, otherOf, toWire } from './context.js';
