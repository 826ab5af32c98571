import { createChatToken } from '../core/chat-tokens';
import type { Deps } from '../core/deps';
import { createChatTokenInput } from '../domain/chat-token';
import { parseInput } from '../domain/validate';
import { lambdaEntry } from '../wiring/deps';
import { ok, restHandler } from './http';

export const makeHandler = (deps: Pick<Deps, 'scope' | 'idClock' | 'rooms' | 'tokenKeys' | 'tokenTiming' | 'bans'>) =>
  restHandler('CreateChatToken', async ({ body }) => ok(await createChatToken(deps, parseInput(createChatTokenInput, body))));

export const handler = lambdaEntry(makeHandler);
