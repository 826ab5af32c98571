import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ResourceKind } from '../domain/arn';
import { mergeTags } from '../domain/tags';
import { ConflictException, ResourceNotFoundException, ResourceType } from '../shared/errors';
import { isConditionFailure, withThrottling } from './dynamo-errors';
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

/** Optimistic-lock retries before TagResource gives up under heavy concurrent tagging of one resource. */
const MAX_TAG_ATTEMPTS = 8;

const KINDS: Record<ResourceKind, { key: (id: string) => ItemKey; type: ResourceType }> = {
  room: { key: roomKey, type: 'ROOM' },
  'logging-configuration': { key: loggingConfigurationKey, type: 'LOGGING_CONFIGURATION' },
};

/**
 * Tags live as a map inside the resource's own item, so listing them is one GetItem and changing
 * them one conditional UpdateItem (plus a read for TagResource's 50-tag check), and a deleted
 * resource's tags go with it: every write requires the item to exist. `tagsVersion` counts tag
 * writes; TagResource writes only if it is unchanged since its read, so two concurrent TagResource
 * calls never overwrite each other's keys and the merged count stays within the limit.
 */
export function createTagStore(deps: { doc: DynamoDBDocumentClient; tableName: string }): TagStore {
  const { doc, tableName: TableName } = deps;
  const notFound = (r: TaggedResource) =>
    new ResourceNotFoundException(`Resource not found: ${r.kind}/${r.id}`, r.id, KINDS[r.kind].type);

  const read = async (r: TaggedResource) => {
    const { Item } = await doc.send(
      new GetCommand({
        TableName,
        Key: KINDS[r.kind].key(r.id),
        ConsistentRead: true,
        ProjectionExpression: 'tags, tagsVersion',
      }),
    );
    if (!Item) throw notFound(r);
    return { tags: (Item.tags ?? {}) as Record<string, string>, version: Number(Item.tagsVersion ?? 0) };
  };

  return {
    list: (r) => withThrottling(r.id, KINDS[r.kind].type, async () => (await read(r)).tags),

    tag: (r, added) =>
      withThrottling(r.id, KINDS[r.kind].type, async () => {
        for (let attempt = 1; attempt <= MAX_TAG_ATTEMPTS; attempt++) {
          const current = await read(r);
          const tags = mergeTags(current.tags, added);
          try {
            await doc.send(
              new UpdateCommand({
                TableName,
                Key: KINDS[r.kind].key(r.id),
                UpdateExpression: 'SET tags = :tags, tagsVersion = :next',
                ConditionExpression: 'attribute_exists(PK) AND (tagsVersion = :seen OR attribute_not_exists(tagsVersion))',
                ExpressionAttributeValues: { ':tags': tags, ':next': current.version + 1, ':seen': current.version },
              }),
            );
            return;
          } catch (err) {
            if (!isConditionFailure(err)) throw err;
            // Lost the race to another tag write (or a delete): the next read tells which.
          }
        }
        throw new ConflictException('Too many concurrent tag changes on this resource, retry', r.id, KINDS[r.kind].type);
      }),

    untag: (r, keys) =>
      withThrottling(r.id, KINDS[r.kind].type, async () => {
        const names = Object.fromEntries(keys.map((k, i) => [`#k${i}`, k]));
        // REMOVE of an absent key is a no-op, which is what makes UntagResource idempotent.
        const removals = keys.map((_, i) => `tags.#k${i}`);
        try {
          await doc.send(
            new UpdateCommand({
              TableName,
              Key: KINDS[r.kind].key(r.id),
              UpdateExpression: `ADD tagsVersion :one${removals.length ? ` REMOVE ${removals.join(', ')}` : ''}`,
              ConditionExpression: 'attribute_exists(PK)',
              ...(keys.length ? { ExpressionAttributeNames: names } : {}),
              ExpressionAttributeValues: { ':one': 1 },
            }),
          );
        } catch (err) {
          if (isConditionFailure(err)) throw notFound(r);
          throw err;
        }
      }),
  };
}
