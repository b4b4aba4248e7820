export { createLikes, type Likes, type LikesDeps } from './service.js';
export { applyLike, type LikeOutcome } from './apply.js';
export { KeyedSerializer } from './serializer.js';
