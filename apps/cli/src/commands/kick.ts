import { MODERATORS_ONLY, memberCommand } from './room-common.js';

export default memberCommand({
  name: 'kick',
  action: 'room.kick',
  summary: 'Remove a member from a room (they may join a public room again)',
  description: `${MODERATORS_ONLY}\nHistory keeps a line saying who removed whom. To keep them out, ban them.`,
  done: (u, room) => `kicked ${u} from ${room}`,
  unchanged: (u, room) => `${u} is not in ${room}`,
});
