import { FieldError, ResourceNotFoundException, ValidationException } from '../shared/errors';
import { ParsedArn, RESOURCE_ARN_PATTERN, Scope, localResource, parseArn } from './arn';
import { list, str, stringMap, struct, required } from './validate';

/** AWS's limit of tags on one resource, and of keys in one request. */
export const MAX_TAGS = 50;

const tagKey = str({ min: 1, max: 128 });
const tagValue = str({ max: 256 });

export const tagsSchema = stringMap({ key: tagKey, value: tagValue, maxEntries: MAX_TAGS });

export const resourceArn = str({ min: 1, max: 128, pattern: RESOURCE_ARN_PATTERN });

export const tagResourceInput = struct({ resourceArn: required(resourceArn), tags: required(tagsSchema) });
export const untagResourceInput = struct({
  resourceArn: required(resourceArn),
  tagKeys: required(list(tagKey, { max: MAX_TAGS })),
});
export const listTagsInput = struct({ resourceArn: required(resourceArn) });

/** Merges new tags over the current ones, refusing a result above AWS's 50-tag limit. */
export function mergeTags(current: Record<string, string>, added: Record<string, string>): Record<string, string> {
  const merged = { ...current, ...added };
  const count = Object.keys(merged).length;
  if (count > MAX_TAGS) {
    const field: FieldError = {
      name: 'tags',
      message: `A resource can have at most ${MAX_TAGS} tags; this request would leave it with ${count}`,
    };
    throw ValidationException.forFields([field]);
  }
  return merged;
}

/** The resource a tag ARN names in this deployment; ARNs of other regions or accounts are not found. */
export function taggedResourceOf(arn: string, scope: Scope): ParsedArn {
  const notFound = (id: string) =>
    new ResourceNotFoundException(`Resource not found: ${arn}`, id, parseArn(arn).kind === 'room' ? 'ROOM' : 'LOGGING_CONFIGURATION');
  return localResource(arn, scope, notFound);
}
