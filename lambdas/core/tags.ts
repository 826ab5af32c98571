import { taggedResourceOf } from '../domain/tags';
import type { Deps } from './deps';

type TagDeps = Pick<Deps, 'scope' | 'tags'>;

/** Tags of a resource of this deployment, named by ARN; other regions' and accounts' ARNs are not found. */
export const listTags = (deps: TagDeps, input: { resourceArn: string }): Promise<Record<string, string>> =>
  deps.tags.list(taggedResourceOf(input.resourceArn, deps.scope));

export const tagResource = (deps: TagDeps, input: { resourceArn: string; tags: Record<string, string> }): Promise<void> =>
  deps.tags.tag(taggedResourceOf(input.resourceArn, deps.scope), input.tags);

export const untagResource = (deps: TagDeps, input: { resourceArn: string; tagKeys: string[] }): Promise<void> =>
  deps.tags.untag(taggedResourceOf(input.resourceArn, deps.scope), input.tagKeys);
