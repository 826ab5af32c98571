import { listTagsInput, taggedResourceOf } from '../domain/tags';
import { parseInput } from '../domain/validate';
import { Deps, defaultDeps } from '../shared/clients';
import { ok, pathParameter, restHandler } from '../shared/http';

export const makeHandler = (deps: Deps) =>
  restHandler('ListTagsForResource', async (request) => {
    const input = parseInput(listTagsInput, { resourceArn: pathParameter(request, 'resourceArn') });
    return ok({ tags: await deps.tags.list(taggedResourceOf(input.resourceArn, deps.scope)) });
  });

export const handler = makeHandler(defaultDeps());
