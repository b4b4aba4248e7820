import type { Handlers } from '@tidings/service-kit';
import type { LikesContext } from '../context.js';
import { likeHandler } from './like.js';

/** One handler per action of the likes service. */
export function likesHandlers(likes: LikesContext): Handlers {
  return {
    'like.add': likeHandler(likes, true),
    'like.remove': likeHandler(likes, false),
  };
}
