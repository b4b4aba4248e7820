import { z } from 'zod';
import * as auth from './auth.js';
import * as chat from './chat.js';
import * as recovery from './recovery.js';

/** Who may send a request: a guest (not signed in) or a signed-in user. */
export type Audience = 'guest' | 'user';

export interface Operation<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  action: string;
  service: string;
  audience: Audience;
  summary: string;
  request: Req;
  result: Res;
  /** false: fire-and-forget at QoS 0, no reply (typing). */
  reply?: false;
  /**
   * true: handling the same request again has the same effect and answer (reads; chat.send,
   * whose id is its idempotency key; markers, likes and reactions that are set, not toggled). Clients send
   * a request again with the same id after a reconnect; for an action that is not repeatable
   * the service's dispatcher remembers its answer for a while and answers a copy (same id and
   * bytes) with it instead of handling it twice.
   */
  repeatable?: true;
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
    repeatable: true,
  }),
  'chat.send': op({
    action: 'chat.send',
    service: 'chat-store',
    audience: 'user',
    summary: 'Send a message to a room or @user; idempotent by request id',
    request: chat.SendRequest,
    result: chat.SendResult,
    repeatable: true,
  }),
  'chat.edit': op({
    action: 'chat.edit',
    service: 'chat-store',
    audience: 'user',
    summary: 'Edit one of your messages',
    request: chat.EditRequest,
    result: chat.EditResult,
  }),
  'chat.delete': op({
    action: 'chat.delete',
    service: 'chat-store',
    audience: 'user',
    summary: 'Delete one of your messages, or (a moderator) anyone’s in your room: a tombstone stays in history',
    request: chat.DeleteRequest,
    result: chat.DeleteResult,
  }),
  'chat.read': op({
    action: 'chat.read',
    service: 'chat-store',
    audience: 'user',
    summary: 'Move your read marker in a conversation (never backwards)',
    request: chat.ReadRequest,
    result: chat.ReadResult,
    repeatable: true,
  }),
  'room.create': op({
    action: 'room.create',
    service: 'chat-store',
    audience: 'user',
    summary: 'Create a room (public, or `private`: invite only) and join it as its owner',
    request: chat.RoomCreateRequest,
    result: chat.RoomResult,
  }),
  'room.join': op({
    action: 'room.join',
    service: 'chat-store',
    audience: 'user',
    summary: 'Join a public room (not one you are banned from; a private room needs an invitation)',
    request: chat.RoomJoinRequest,
    result: chat.RoomResult,
  }),
  'room.leave': op({
    action: 'room.leave',
    service: 'chat-store',
    audience: 'user',
    summary: 'Leave a room (its owner hands it over first, unless nobody else is in it)',
    request: chat.RoomLeaveRequest,
    result: chat.RoomLeaveResult,
  }),
  'room.invite': op({
    action: 'room.invite',
    service: 'chat-store',
    audience: 'user',
    summary: 'Add someone to a room (moderators and the owner; the way into a private room)',
    request: chat.RoomMemberRequest,
    result: chat.RoomActionResult,
  }),
  'room.kick': op({
    action: 'room.kick',
    service: 'chat-store',
    audience: 'user',
    summary: 'Remove a member from a room (moderators and the owner, on members of a lower role)',
    request: chat.RoomMemberRequest,
    result: chat.RoomActionResult,
  }),
  'room.ban': op({
    action: 'room.ban',
    service: 'chat-store',
    audience: 'user',
    summary: 'Remove someone from a room and keep them out until unbanned (moderators and the owner)',
    request: chat.RoomMemberRequest,
    result: chat.RoomActionResult,
  }),
  'room.unban': op({
    action: 'room.unban',
    service: 'chat-store',
    audience: 'user',
    summary: 'Lift a ban (moderators and the owner)',
    request: chat.RoomMemberRequest,
    result: chat.RoomActionResult,
  }),
  'room.mute': op({
    action: 'room.mute',
    service: 'chat-store',
    audience: 'user',
    summary: 'Stop a member sending to a room for a while, or lift it with seconds 0 (moderators and the owner)',
    request: chat.MuteRequest,
    result: chat.RoomActionResult,
  }),
  'room.role': op({
    action: 'room.role',
    service: 'chat-store',
    audience: 'user',
    summary: 'Make a member a moderator or a member again, or hand the room over (the owner only)',
    request: chat.RoleRequest,
    result: chat.RoomActionResult,
  }),
  'room.topic': op({
    action: 'room.topic',
    service: 'chat-store',
    audience: 'user',
    summary: 'Set or clear a room’s topic (moderators and the owner)',
    request: chat.TopicRequest,
    result: chat.RoomActionResult,
  }),
  'chat.history': op({
    action: 'chat.history',
    service: 'chat-query',
    audience: 'user',
    summary: 'A page of a conversation’s history: newest, before a sequence, or after one (gap-fill)',
    request: chat.HistoryRequest,
    result: chat.HistoryResult,
    repeatable: true,
  }),
  'chat.conversations': op({
    action: 'chat.conversations',
    service: 'chat-query',
    audience: 'user',
    summary: 'Your conversations with unread counts and last message, a page at a time (`after`, `more`, `next`)',
    request: chat.ConversationsRequest,
    result: chat.ConversationsResult,
    repeatable: true,
  }),
  'chat.search': op({
    action: 'chat.search',
    service: 'chat-query',
    audience: 'user',
    summary: 'Full-text search of the rooms you are in and your direct conversations, newest first, a page at a time (`before`, `more`, `next`)',
    request: chat.SearchRequest,
    result: chat.SearchResult,
    repeatable: true,
  }),
  'room.list': op({
    action: 'room.list',
    service: 'chat-query',
    audience: 'user',
    summary:
      'Every public room and the private rooms you are in, with member counts, topics and whether you are in it, a page at a time (`after`, `more`, `next`)',
    request: chat.RoomListRequest,
    result: chat.RoomListResult,
    repeatable: true,
  }),
  'room.info': op({
    action: 'room.info',
    service: 'chat-query',
    audience: 'user',
    summary: 'A room: private or not, topic, owner, member count, your role, your mute (a private room: members only)',
    request: chat.RoomInfoRequest,
    result: chat.RoomInfoResult,
    repeatable: true,
  }),
  'room.members': op({
    action: 'room.members',
    service: 'chat-query',
    audience: 'user',
    summary: 'A room’s members with their roles, or (`banned`, moderators only) its bans, a page at a time',
    request: chat.RoomMembersRequest,
    result: chat.RoomMembersResult,
    repeatable: true,
  }),
  'user.list': op({
    action: 'user.list',
    service: 'chat-query',
    audience: 'user',
    summary: 'The user directory: online, last seen, last message, a page at a time (`after`, `more`, `next`)',
    request: chat.UserListRequest,
    result: chat.UserListResult,
    repeatable: true,
  }),
  'reaction.add': op({
    action: 'reaction.add',
    service: 'likes',
    audience: 'user',
    summary: 'React to a message with one emoji of the set (each at most once per user); answers its reactions now',
    request: chat.ReactionRequest,
    result: chat.ReactionResult,
    repeatable: true,
  }),
  'reaction.remove': op({
    action: 'reaction.remove',
    service: 'likes',
    audience: 'user',
    summary: 'Take back one of your reactions; answers the message’s reactions now',
    request: chat.ReactionRequest,
    result: chat.ReactionResult,
    repeatable: true,
  }),
  'reaction.who': op({
    action: 'reaction.who',
    service: 'likes',
    audience: 'user',
    summary: `Who reacted to a message: up to ${chat.REACTION_WHO_MAX} usernames per emoji, earliest first, with the counts`,
    request: chat.ReactionWhoRequest,
    result: chat.ReactionWhoResult,
    repeatable: true,
  }),
  'like.add': op({
    action: 'like.add',
    service: 'likes',
    audience: 'user',
    summary: 'Like a message: the ❤️ reaction (kept for clients from before reactions)',
    request: chat.LikeRequest,
    result: chat.LikeResult,
    repeatable: true,
  }),
  'like.remove': op({
    action: 'like.remove',
    service: 'likes',
    audience: 'user',
    summary: 'Take back your like: the ❤️ reaction (kept for clients from before reactions)',
    request: chat.LikeRequest,
    result: chat.LikeResult,
    repeatable: true,
  }),
  'chat.typing': op({
    action: 'chat.typing',
    service: 'presence',
    audience: 'user',
    summary: 'Say you are typing (QoS 0, no reply, rate-limited, never stored)',
    request: chat.TypingRequest,
    result: z.never(),
    reply: false,
  }),
  'recovery.question': op({
    action: 'recovery.question',
    service: 'security-questions',
    audience: 'guest',
    summary: 'The security question of an account (an unknown account gets a plausible one, the same every time)',
    request: recovery.RecoveryQuestionRequest,
    result: recovery.RecoveryQuestionResult,
    repeatable: true,
  }),
  'recovery.reset': op({
    action: 'recovery.reset',
    service: 'security-questions',
    audience: 'guest',
    summary: 'Reset a forgotten password with the answer to the security question; every session is signed out',
    request: recovery.RecoveryResetRequest,
    result: recovery.RecoveryResetResult,
  }),
  'recovery.code': op({
    action: 'recovery.code',
    service: 'security-questions',
    audience: 'guest',
    summary: 'Reset a forgotten password with a one-time recovery code; every session is signed out',
    request: recovery.RecoveryCodeRequest,
    result: recovery.RecoveryResetResult,
  }),
  'security.set': op({
    action: 'security.set',
    service: 'security-questions',
    audience: 'user',
    summary: 'Set or replace your security question and answer (needs your current password)',
    request: recovery.SecuritySetRequest,
    result: recovery.SecuritySetResult,
  }),
  'security.get': op({
    action: 'security.get',
    service: 'security-questions',
    audience: 'user',
    summary: 'Your security question (never the answer) and how many recovery codes are left',
    request: recovery.SecurityGetRequest,
    result: recovery.SecurityGetResult,
    repeatable: true,
  }),
  'recovery.codes': op({
    action: 'recovery.codes',
    service: 'security-questions',
    audience: 'user',
    summary: 'A new set of one-time recovery codes, shown once (needs your current password); earlier codes stop working',
    request: recovery.RecoveryCodesRequest,
    result: recovery.RecoveryCodesResult,
  }),
  'auth.sessions': op({
    action: 'auth.sessions',
    service: 'auth',
    audience: 'user',
    summary: 'Your active sessions: device, created, last seen, expiry, and which one you asked from',
    request: recovery.SessionsRequest,
    result: recovery.SessionsResult,
    repeatable: true,
  }),
  'auth.revoke': op({
    action: 'auth.revoke',
    service: 'auth',
    audience: 'user',
    summary: 'End one of your sessions; its live connections are closed',
    request: recovery.RevokeRequest,
    result: recovery.RevokeResult,
  }),
  'auth.rename': op({
    action: 'auth.rename',
    service: 'auth',
    audience: 'user',
    summary: 'Name one of your active sessions (what people call the device: "Work laptop")',
    request: recovery.RenameRequest,
    result: recovery.RenameResult,
    repeatable: true,
  }),
  'auth.events': op({
    action: 'auth.events',
    service: 'auth',
    audience: 'user',
    summary: 'Recent events of your account (sign-ins, password changes and resets, recovery settings), newest first',
    request: recovery.EventsRequest,
    result: recovery.EventsResult,
    repeatable: true,
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
