import type { Deps } from '../core/deps';
import { tagResource } from '../core/tags';
import { tagResourceInput } from '../domain/tags';
import { parseInput } from '../domain/validate';
import { lambdaEntry } from '../wiring/deps';
import { ok, pathParameter, restHandler } from './http';

export const makeHandler = (deps: Pick<Deps, 'scope' | 'tags'>) =>
  restHandler('TagResource', async (request) => {
    await tagResource(deps, parseInput(tagResourceInput, { resourceArn: pathParameter(request, 'resourceArn'), tags: request.body.tags }));
    return ok({});
  });

export const handler = lambdaEntry(makeHandler);
