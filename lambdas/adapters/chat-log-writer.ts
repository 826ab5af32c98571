import { gzipSync } from 'node:zlib';
import {
  CloudWatchLogsClient,
  CloudWatchLogsClientConfig,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { FirehoseClient, FirehoseClientConfig, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { PutObjectCommand, S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { ChatLogWriter } from '../core/ports';
import type { Scope } from '../domain/arn';
import { ChatLogEntry, ChatLogRecord, byRoom, chatLogS3Key, chatLogStream, linesOf } from '../domain/chat-log';
import { newId } from '../domain/ids';

/** CloudWatch Logs' PutLogEvents limits: events per call, and bytes (each event counts 26 more). */
const LOGS_BATCH = { count: 10_000, bytes: 1_048_576, overhead: 26 };
/** Firehose's PutRecordBatch limits: records and bytes per call. */
const FIREHOSE_BATCH = { count: 500, bytes: 4 * 1024 * 1024, overhead: 0 };
/** Firehose may refuse some records of a batch; those are sent again this many times. */
const FIREHOSE_ATTEMPTS = 3;

/**
 * The AWS adapter. S3: one gzipped JSON-lines object per room and write (AWS's key layout), so a
 * record is stored before the write resolves; AWS itself batches about five minutes per object, which
 * a Lambda function cannot do without risking what it holds when it is frozen. CloudWatch Logs: the
 * room's stream (created on first use) in the configuration's log group. Firehose: each record is
 * one line (newline-terminated) of the delivery stream. The destinations must exist, as on AWS.
 */
export function createAwsChatLogWriter(options: {
  region: string;
  scope: Scope;
  clients?: { s3?: S3ClientConfig; logs?: CloudWatchLogsClientConfig; firehose?: FirehoseClientConfig };
}): ChatLogWriter {
  let s3: S3Client | undefined;
  let logs: CloudWatchLogsClient | undefined;
  let firehose: FirehoseClient | undefined;
  const config = { region: options.region };

  const toS3 = async (bucketName: string, entries: readonly ChatLogEntry[]) => {
    s3 ??= new S3Client({ ...config, ...options.clients?.s3 });
    for (const [roomId, records] of byRoom(entries)) {
      const first = records[0] as ChatLogRecord;
      await s3.send(
        new PutObjectCommand({
          Bucket: bucketName,
          Key: chatLogS3Key(options.scope, roomId, first.at, newId(16)),
          Body: gzipSync(linesOf(records)),
          ContentType: 'application/x-ndjson',
        }),
      );
    }
  };

  const toLogs = async (logGroupName: string, entries: readonly ChatLogEntry[]) => {
    logs ??= new CloudWatchLogsClient({ ...config, ...options.clients?.logs });
    const client = logs;
    for (const [roomId, records] of byRoom(entries)) {
      const logStreamName = chatLogStream(roomId);
      // PutLogEvents wants each batch in time order; a message reviewed for a while can be sent after a later event.
      const sorted = [...records].sort((a, b) => a.at.getTime() - b.at.getTime());
      for (const chunk of chunks(sorted, LOGS_BATCH)) {
        const put = () =>
          client.send(
            new PutLogEventsCommand({
              logGroupName,
              logStreamName,
              logEvents: chunk.map((r) => ({ timestamp: r.at.getTime(), message: r.line })),
            }),
          );
        await put().catch(async (err: unknown) => {
          if ((err as Error).name !== 'ResourceNotFoundException') throw err;
          // The room's first record: its stream does not exist yet (the log group must).
          await client.send(new CreateLogStreamCommand({ logGroupName, logStreamName })).catch((created: unknown) => {
            if ((created as Error).name !== 'ResourceAlreadyExistsException') throw created;
          });
          await put();
        });
      }
    }
  };

  const toFirehose = async (deliveryStreamName: string, entries: readonly ChatLogEntry[]) => {
    firehose ??= new FirehoseClient({ ...config, ...options.clients?.firehose });
    for (const chunk of chunks(
      entries.map((e) => e.record),
      FIREHOSE_BATCH,
    )) {
      let pending = chunk;
      for (let attempt = 1; pending.length > 0; attempt++) {
        const out = await firehose.send(
          new PutRecordBatchCommand({
            DeliveryStreamName: deliveryStreamName,
            Records: pending.map((r) => ({ Data: Buffer.from(`${r.line}\n`) })),
          }),
        );
        const failed = pending.filter((_, i) => out.RequestResponses?.[i]?.ErrorCode);
        if (failed.length > 0 && attempt >= FIREHOSE_ATTEMPTS) {
          throw new Error(`Firehose refused ${failed.length} records: ${out.RequestResponses?.find((r) => r.ErrorCode)?.ErrorCode}`);
        }
        pending = failed;
      }
    }
  };

  return {
    write: async (destination, entries) => {
      if ('s3' in destination) return toS3(destination.s3.bucketName, entries);
      if ('cloudWatchLogs' in destination) return toLogs(destination.cloudWatchLogs.logGroupName, entries);
      return toFirehose(destination.firehose.deliveryStreamName, entries);
    },
  };
}

/** Consecutive runs of records within a service's per-call limits. */
function chunks(records: readonly ChatLogRecord[], limit: { count: number; bytes: number; overhead: number }): ChatLogRecord[][] {
  const out: ChatLogRecord[][] = [];
  let current: ChatLogRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = Buffer.byteLength(record.line) + 1 + limit.overhead;
    if (current.length > 0 && (current.length === limit.count || bytes + size > limit.bytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
