import type { Command } from '../command.js';
import login from './login.js';
import logout from './logout.js';
import passwd from './passwd.js';
import register from './register.js';
import whoami from './whoami.js';

/** Every command, in the order `tidings --help` lists them. A new command is one file plus one line here. */
export const commands: readonly Command[] = [register, login, whoami, logout, passwd];
