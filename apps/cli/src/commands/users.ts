import { defineCommand } from '../command.js';
import { formatUsers } from '../chat/format.js';
import { clockOf, signedIn } from './chat-common.js';

export default defineCommand({
  name: 'users',
  summary: 'List the users: online or when last seen, and when they last wrote',
  async run(ctx) {
    const { users } = await signedIn(ctx, (conn) => conn.request('user.list', {}));
    return { text: formatUsers(users, clockOf(ctx.io)), data: { users } };
  },
});
