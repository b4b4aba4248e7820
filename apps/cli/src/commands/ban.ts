import { MODERATORS_ONLY, memberCommand } from './room-common.js';

export default memberCommand({
  name: 'ban',
  action: 'room.ban',
  summary: 'Remove someone from a room and keep them out until unbanned',
  description: `${MODERATORS_ONLY}\nA ban works on someone not in the room too. tidings members <room> --banned lists the bans.`,
  done: (u, room) => `banned ${u} from ${room}`,
  unchanged: (u, room) => `${u} is banned from ${room} already`,
});
