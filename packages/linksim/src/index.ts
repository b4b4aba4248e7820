/**
 * Bad links in userspace: a TCP proxy standing for one user's network link, with one-way delay,
 * a bandwidth cap shared by all its connections, TCP handshake cost, cuts, stalls and outages,
 * on a schedule drawn from a seed. Node only (node:net).
 */
export { createLink, type Link, type LinkEvent, type LinkEvents, type LinkEventType, type LinkOptions, type LinkStats } from './link.js';
export { LinkError, LinkErrorCode } from './errors.js';
export { isProfileName, profiles, scaleProfile, validateProfile, type LinkProfile, type ProfileName, type TimedImpairment } from './profiles.js';
export { mulberry32, planSchedule, type ImpairmentKind, type ScheduledEvent } from './schedule.js';
