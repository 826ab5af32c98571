import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ResourceKind } from '../domain/arn';
import { MAX_TAGS, mergeTags } from '../domain/tags';
import { ConflictException, ResourceNotFoundException, ResourceType } from '../shared/errors';
import { onConditionFailure, translatingErrors } from './dynamo-errors';
import { ItemKey, loggingConfigurationKey, roomKey } from './keys';

/** A taggable resource of this deployment, named by kind and id. */
export interface TaggedResource {
  kind: ResourceKind;
  id: string;
}

export interface TagStore {
  list(resource: TaggedResource): Promise<Record<string, string>>;
  tag(resource: TaggedResource, tags: Record<string, string>): Promise<void>;
  untag(resource: TaggedResource, keys: string[]): Promise<void>;
}

/** Retries before TagResource gives up when other writes keep changing the keys it counted on. */
const MAX_TAG_ATTEMPTS = 8;

const KINDS: Record<ResourceKind, { key: (id: string) => ItemKey; type: ResourceType }> = {
  room: { key: roomKey, type: 'ROOM' },
  'logging-configuration': { key: loggingConfigurationKey, type: 'LOGGING_CONFIGURATION' },
};

/**
 * Tags live as a map inside the resource's own item, so listing them is one GetItem and changing
 * them one conditional UpdateItem (plus a read for TagResource's 50-tag check), and a deleted
 * resource's tags go with it: every write requires the item to exist. TagResource sets each key on
 * its own path, so concurrent calls adding different keys all land (a whole-map write under a
 * version check made all but one of 20 concurrent calls fail).
 */
export function createTagStore(deps: { doc: DynamoDBDocumentClient; tableName: string }): TagStore {
  const { doc, tableName: TableName } = deps;
  const notFound = (r: TaggedResource) => new ResourceNotFoundException(`Resource not found: ${r.kind}/${r.id}`, r.id, KINDS[r.kind].type);

  const read = async (r: TaggedResource) => {
    const { Item } = await doc.send(
      new GetCommand({ TableName, Key: KINDS[r.kind].key(r.id), ConsistentRead: true, ProjectionExpression: 'PK, tags' }),
    );
    if (!Item) throw notFound(r);
    return Item.tags as Record<string, string> | undefined;
  };

  // Throttling names the resource tagged.
  return translatingErrors<TagStore>(
    {
      list: async (r) => (await read(r)) ?? {},

      tag: async (r, added) => {
        for (let attempt = 1; attempt <= MAX_TAG_ATTEMPTS; attempt++) {
          const current = await read(r);
          mergeTags(current ?? {}, added);
          if (Object.keys(added).length === 0) return;
          // A failed condition: another write changed a key this one counted on (or deleted the resource): look again.
          const written = await onConditionFailure(
            doc.send(new UpdateCommand({ TableName, Key: KINDS[r.kind].key(r.id), ...tagWrite(current, added) })).then(() => true),
            () => false,
          );
          if (written) return;
        }
        throw new ConflictException('Too many concurrent tag changes on this resource, retry', r.id, KINDS[r.kind].type);
      },

      untag: async (r, keys) => {
        // A key named twice would give two overlapping REMOVE paths, which DynamoDB refuses.
        const unique = [...new Set(keys)];
        if (unique.length === 0) {
          await read(r);
          return;
        }
        const names = Object.fromEntries(unique.map((k, i) => [`#k${i}`, k]));
        // REMOVE of an absent key is a no-op, which is what makes UntagResource idempotent.
        const removals = unique.map((_, i) => `tags.#k${i}`);
        await onConditionFailure(
          doc.send(
            new UpdateCommand({
              TableName,
              Key: KINDS[r.kind].key(r.id),
              UpdateExpression: `REMOVE ${removals.join(', ')}`,
              ConditionExpression: 'attribute_exists(PK)',
              ExpressionAttributeNames: names,
            }),
          ),
          () => {
            throw notFound(r);
          },
        );
      },
    },
    ([r]) => ({ id: (r as TaggedResource).id, type: KINDS[(r as TaggedResource).kind].type }),
  );
}

/**
 * The UpdateItem parts that add `added` to tags read as `current`. Each key is its own SET path. The
 * condition re-checks what the 50-tag check saw: keys counted as new are still absent, the others
 * still present, and the map no larger than leaves room for the new ones. Whatever ran in between,
 * the merged count then stays within the limit.
 */
function tagWrite(current: Record<string, string> | undefined, added: Record<string, string>) {
  if (current === undefined) {
    return {
      UpdateExpression: 'SET tags = :tags',
      ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(tags)',
      ExpressionAttributeValues: { ':tags': added },
    };
  }
  const names: Record<string, string> = { '#tags': 'tags' };
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  const checks: string[] = [];
  let fresh = 0;
  Object.entries(added).forEach(([key, value], i) => {
    names[`#k${i}`] = key;
    values[`:v${i}`] = value;
    sets.push(`#tags.#k${i} = :v${i}`);
    const isNew = !Object.hasOwn(current, key);
    if (isNew) fresh++;
    checks.push(`${isNew ? 'attribute_not_exists' : 'attribute_exists'}(#tags.#k${i})`);
  });
  values[':room'] = MAX_TAGS - fresh;
  return {
    UpdateExpression: `SET ${sets.join(', ')}`,
    ConditionExpression: ['attribute_exists(PK)', 'size(#tags) <= :room', ...checks].join(' AND '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}
