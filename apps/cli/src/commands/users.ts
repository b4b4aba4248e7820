import { readAllPages } from '@tidings/client';
import { defineCommand } from '../command.js';
import { formatUsers } from '../chat/format.js';
import { clockOf, signedIn } from './chat-common.js';

export default defineCommand({
  name: 'users',
  summary: 'List the users: online or when last seen, and when they last wrote',
  async run(ctx) {
    // Every page: the directory comes 500 users at a time.
    const pages = await signedIn(ctx, (conn) => readAllPages((after) => conn.request('user.list', after === undefined ? {} : { after })));
    const users = pages.flatMap((p) => p.users);
    return { text: formatUsers(users, clockOf(ctx.io)), data: { users } };
  },
});
