import { dmRef } from '@tidings/protocol';
import { defineCommand } from '../command.js';
import { textArg, userOf } from '../chat/args.js';
import { SEND_DESCRIPTION, runSend, stdinOption, waitOption } from './send.js';

export default defineCommand({
  name: 'dm',
  summary: 'Send a direct message to a user (the same as send @user)',
  description: `Only you and the user can read your direct conversation.\n\n${SEND_DESCRIPTION}`,
  args: [{ name: 'user' }, { ...textArg, optional: true }],
  options: { stdin: stdinOption, wait: waitOption },
  async run(ctx) {
    return runSend(ctx, 'dm', dmRef(userOf(ctx.args.user!)), ctx.args.text);
  },
});
