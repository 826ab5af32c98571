import type { Deps } from '../core/deps';
import { listTags } from '../core/tags';
import { listTagsInput } from '../domain/tags';
import { parseInput } from '../domain/validate';
import { lambdaEntry } from '../wiring/deps';
import { ok, pathParameter, restHandler } from './http';

export const makeHandler = (deps: Pick<Deps, 'scope' | 'tags'>) =>
  restHandler('ListTagsForResource', async (request) => {
    return ok({ tags: await listTags(deps, parseInput(listTagsInput, { resourceArn: pathParameter(request, 'resourceArn') })) });
  });

export const handler = lambdaEntry(makeHandler);
