import type { Deps } from '../core/deps';
import { untagResource } from '../core/tags';
import { untagResourceInput } from '../domain/tags';
import { parseInput } from '../domain/validate';
import { lambdaEntry } from '../wiring/deps';
import { ok, pathParameter, restHandler } from './http';

export const makeHandler = (deps: Pick<Deps, 'scope' | 'tags'>) =>
  // tagKeys is a repeated query parameter: ?tagKeys=a&tagKeys=b
  restHandler('UntagResource', async ({ pathParameters, query }) => {
    const resourceArn = pathParameter({ pathParameters }, 'resourceArn');
    await untagResource(deps, parseInput(untagResourceInput, { resourceArn, tagKeys: query.tagKeys }));
    return ok({});
  });

export const handler = lambdaEntry(makeHandler);
