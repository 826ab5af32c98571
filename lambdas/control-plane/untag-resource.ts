import { taggedResourceOf, untagResourceInput } from '../domain/tags';
import { parseInput } from '../domain/validate';
import { Deps, defaultDeps } from '../shared/clients';
import { ok, pathParameter, restHandler } from '../shared/http';

export const makeHandler = (deps: Deps) =>
  restHandler('UntagResource', async (request) => {
    // tagKeys is a repeated query parameter: ?tagKeys=a&tagKeys=b
    const input = parseInput(untagResourceInput, {
      resourceArn: pathParameter(request, 'resourceArn'),
      tagKeys: request.query.tagKeys,
    });
    await deps.tags.untag(taggedResourceOf(input.resourceArn, deps.scope), input.tagKeys);
    return ok({});
  });

export const handler = makeHandler(defaultDeps());
