import { memberCommand } from './room-common.js';

export default memberCommand({
  name: 'unban',
  action: 'room.unban',
  summary: 'Lift a ban (they may join again, or be invited)',
  description: 'Moderators and the owner lift bans. It does not put them back in the room.',
  done: (u, room) => `lifted the ban of ${u} from ${room}`,
  unchanged: (u, room) => `${u} is not banned from ${room}`,
});
