import { taggedResourceOf } from '../domain/tags';
import type { Deps } from './deps';

type TagDeps = Pick<Deps, 'scope' | 'tags'>;

/** Tags of a resource of this deployment, named by ARN; other regions' and accounts' ARNs are not found. */
export const listTags = (deps: TagDeps, resourceArn: string): Promise<Record<string, string>> =>
  deps.tags.list(taggedResourceOf(resourceArn, deps.scope));

export const tagResource = (deps: TagDeps, resourceArn: string, tags: Record<string, string>): Promise<void> =>
  deps.tags.tag(taggedResourceOf(resourceArn, deps.scope), tags);

export const untagResource = (deps: TagDeps, resourceArn: string, tagKeys: string[]): Promise<void> =>
  deps.tags.untag(taggedResourceOf(resourceArn, deps.scope), tagKeys);
