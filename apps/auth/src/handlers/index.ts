import type { Handlers } from '@tidings/service-kit';
import type { AuthContext } from '../context.js';
import { eventsHandler } from './events.js';
import { loginHandler } from './login.js';
import { logoutHandler } from './logout.js';
import { passwdHandler } from './passwd.js';
import { registerHandler } from './register.js';
import { renameHandler } from './rename.js';
import { revokeHandler } from './revoke.js';
import { sessionsHandler } from './sessions.js';
import { whoamiHandler } from './whoami.js';

/** One handler per action of the auth service. */
export function authHandlers(auth: AuthContext): Handlers {
  return {
    'auth.register': registerHandler(auth),
    'auth.login': loginHandler(auth),
    'auth.logout': logoutHandler(auth),
    'auth.passwd': passwdHandler(auth),
    'auth.whoami': whoamiHandler(auth),
    'auth.sessions': sessionsHandler(auth),
    'auth.revoke': revokeHandler(auth),
    'auth.rename': renameHandler(auth),
    'auth.events': eventsHandler(auth),
  };
}
