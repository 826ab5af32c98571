import type { Deps } from '../core/deps';
import { untagResource } from '../core/tags';
import { untagResourceInput } from '../domain/tags';
import { parseInput } from '../domain/validate';
import { lambdaEntry } from '../wiring/deps';
import { ok, pathParameter, restHandler } from './http';

export const makeHandler = (deps: Pick<Deps, 'scope' | 'tags'>) =>
  restHandler('UntagResource', async (request) => {
    // tagKeys is a repeated query parameter: ?tagKeys=a&tagKeys=b
    const input = parseInput(untagResourceInput, { resourceArn: pathParameter(request, 'resourceArn'), tagKeys: request.query.tagKeys });
    await untagResource(deps, input.resourceArn, input.tagKeys);
    return ok({});
  });

export const handler = lambdaEntry(makeHandler);
