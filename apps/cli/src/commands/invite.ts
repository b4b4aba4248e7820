import { memberCommand } from './room-common.js';

export default memberCommand({
  name: 'invite',
  action: 'room.invite',
  summary: 'Add someone to a room (the way into a private room)',
  description: 'Moderators and the owner add people; they see the room in their list at once. A banned user is\nunbanned first (tidings unban).',
  done: (u, room) => `added ${u} to ${room}`,
  unchanged: (u, room) => `${u} is in ${room} already`,
});
