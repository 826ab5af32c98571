import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ShardDeliveryDeps, deliverQueuedShards } from '../core/shards';
import { lambdaEntry } from '../wiring/deps';

/** The shard worker: the SQS FIFO shard queue's batches, each shard delivered as the fan-out would have. */
export const makeHandler = (deps: ShardDeliveryDeps) =>
  middy(async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failed = await deliverQueuedShards(
      deps,
      event.Records.map((r) => ({ id: r.messageId, groupId: r.attributes.MessageGroupId ?? '', body: r.body })),
    );
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  });

export const handler = lambdaEntry(makeHandler);
