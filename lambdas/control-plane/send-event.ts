import { sendEvent } from '../core/messaging';
import { sendEventInput } from '../domain/messaging';
import { parseInput } from '../domain/validate';
import { Deps, defaultDeps } from '../shared/clients';
import { ok, restHandler } from '../shared/http';

export const makeHandler = (deps: Deps) =>
  restHandler('SendEvent', async ({ body }) => {
    const input = parseInput(sendEventInput, body);
    return ok({ id: await sendEvent(deps, input.roomIdentifier, input) });
  });

export const handler = makeHandler(defaultDeps());
