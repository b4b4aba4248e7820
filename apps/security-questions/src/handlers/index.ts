import type { Handlers } from '@tidings/service-kit';
import type { RecoveryContext } from '../context.js';
import { codesHandler } from './codes.js';
import { getHandler } from './get.js';
import { questionHandler } from './question.js';
import { codeHandler, resetHandler } from './reset.js';
import { setHandler } from './set.js';

/** One handler per action of the security-questions service. */
export function recoveryHandlers(rc: RecoveryContext): Handlers {
  return {
    'recovery.question': questionHandler(rc),
    'recovery.reset': resetHandler(rc),
    'recovery.code': codeHandler(rc),
    'security.set': setHandler(rc),
    'security.get': getHandler(rc),
    'recovery.codes': codesHandler(rc),
  };
}
