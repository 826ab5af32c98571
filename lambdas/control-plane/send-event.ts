import type { Deps } from '../core/deps';
import { ModerationDeps, sendEvent } from '../core/moderation';
import { sendEventInput } from '../domain/messaging';
import { parseInput } from '../domain/validate';
import { lambdaEntry } from '../wiring/deps';
import { ok, restHandler } from './http';

export const makeHandler = (deps: ModerationDeps & Pick<Deps, 'scope'>) =>
  restHandler('SendEvent', async ({ body }) => {
    const input = parseInput(sendEventInput, body);
    return ok({ id: await sendEvent(deps, input.roomIdentifier, input) });
  });

export const handler = lambdaEntry(makeHandler);
