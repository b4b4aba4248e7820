export { createLikes, type Likes, type LikesDeps } from './service.js';
export { applyReaction, storedSummary, type ReactionOutcome } from './apply.js';
export { KeyedSerializer } from './serializer.js';
