import { tagResourceInput, taggedResourceOf } from '../domain/tags';
import { parseInput } from '../domain/validate';
import { Deps, defaultDeps } from '../shared/clients';
import { ok, pathParameter, restHandler } from '../shared/http';

export const makeHandler = (deps: Deps) =>
  restHandler('TagResource', async (request) => {
    const input = parseInput(tagResourceInput, { resourceArn: pathParameter(request, 'resourceArn'), tags: request.body.tags });
    await deps.tags.tag(taggedResourceOf(input.resourceArn, deps.scope), input.tags);
    return ok({});
  });

export const handler = makeHandler(defaultDeps());
