import type { Command } from '../command.js';
import ban from './ban.js';
import info from './info.js';
import invite from './invite.js';
import kick from './kick.js';
import members from './members.js';
import mod from './mod.js';
import mute from './mute.js';
import owner from './owner.js';
import topic from './topic.js';
import unban from './unban.js';
import create from './create.js';
import del from './delete.js';
import dm from './dm.js';
import edit from './edit.js';
import events from './events.js';
import history from './history.js';
import join from './join.js';
import leave from './leave.js';
import like from './like.js';
import login from './login.js';
import logout from './logout.js';
import passwd from './passwd.js';
import react from './react.js';
import reactions from './reactions.js';
import read from './read.js';
import recover from './recover.js';
import recoveryCodes from './recovery-codes.js';
import register from './register.js';
import rooms from './rooms.js';
import securityQuestion from './security-question.js';
import search from './search.js';
import send from './send.js';
import sessions from './sessions.js';
import unlike from './unlike.js';
import users from './users.js';
import watch from './watch.js';
import whoami from './whoami.js';

/** Every command, in the order `tidings --help` lists them. A new command is one file plus one line here. */
export const commands: readonly Command[] = [
  register,
  login,
  whoami,
  logout,
  passwd,
  sessions,
  events,
  securityQuestion,
  recoveryCodes,
  recover,
  rooms,
  create,
  join,
  leave,
  info,
  members,
  topic,
  invite,
  kick,
  ban,
  unban,
  mute,
  mod,
  owner,
  send,
  dm,
  history,
  search,
  watch,
  read,
  react,
  reactions,
  like,
  unlike,
  edit,
  del,
  users,
];
