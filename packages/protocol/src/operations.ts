import type { z } from 'zod';
import * as auth from './auth.js';

/** Who may send a request: a guest (not signed in) or a signed-in user. */
export type Audience = 'guest' | 'user';

export interface Operation<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  action: string;
  service: string;
  audience: Audience;
  summary: string;
  request: Req;
  result: Res;
}

function op<Req extends z.ZodType, Res extends z.ZodType>(o: Operation<Req, Res>): Operation<Req, Res> {
  return o;
}

/** Every request/reply operation of the MQTT API. */
export const operations = {
  'auth.register': op({
    action: 'auth.register',
    service: 'auth',
    audience: 'guest',
    summary: 'Create an account (username rules, password 8–256 characters)',
    request: auth.RegisterRequest,
    result: auth.RegisterResult,
  }),
  'auth.login': op({
    action: 'auth.login',
    service: 'auth',
    audience: 'guest',
    summary: 'Sign in; returns a session token to reconnect with as <username>:<device>',
    request: auth.LoginRequest,
    result: auth.LoginResult,
  }),
  'auth.logout': op({
    action: 'auth.logout',
    service: 'auth',
    audience: 'user',
    summary: 'End one of your sessions; its live connections are closed',
    request: auth.LogoutRequest,
    result: auth.LogoutResult,
  }),
  'auth.passwd': op({
    action: 'auth.passwd',
    service: 'auth',
    audience: 'user',
    summary: 'Change your password (needs the current one); revokes your other sessions',
    request: auth.ChangePasswordRequest,
    result: auth.ChangePasswordResult,
  }),
  'auth.whoami': op({
    action: 'auth.whoami',
    service: 'auth',
    audience: 'user',
    summary: 'Who the broker says you are',
    request: auth.WhoamiRequest,
    result: auth.WhoamiResult,
  }),
} as const;

export type Operations = typeof operations;
export type Action = keyof Operations;
export type RequestOf<A extends Action> = z.input<Operations[A]['request']>;
export type ParsedRequestOf<A extends Action> = z.output<Operations[A]['request']>;
export type ResultOf<A extends Action> = z.output<Operations[A]['result']>;

export const ACTIONS = Object.keys(operations) as Action[];
export const GUEST_ACTIONS: ReadonlySet<string> = new Set(ACTIONS.filter((a) => operations[a].audience === 'guest'));
export const USER_ACTIONS: ReadonlySet<string> = new Set(ACTIONS.filter((a) => operations[a].audience === 'user'));

export function isAction(value: string): value is Action {
  return Object.hasOwn(operations, value);
}

export function operationsOf(service: string): Operation[] {
  return ACTIONS.map((a) => operations[a] as Operation).filter((o) => o.service === service);
}
