import type { Handlers } from '@tidings/service-kit';
import type { LikesContext } from '../context.js';
import { likeHandler, reactionHandler } from './like.js';
import { whoHandler } from './who.js';

/** One handler per action of the likes service. */
export function likesHandlers(likes: LikesContext): Handlers {
  return {
    'reaction.add': reactionHandler(likes, true),
    'reaction.remove': reactionHandler(likes, false),
    'reaction.who': whoHandler(likes),
    'like.add': likeHandler(likes, true),
    'like.remove': likeHandler(likes, false),
  };
}
