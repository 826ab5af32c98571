import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Scope } from '../../lambdas/domain/arn';
import { ChatLogEntry, chatLogS3Key, chatLogStream, utcHourPath } from '../../lambdas/domain/chat-log';
import type { DestinationConfiguration } from '../../lambdas/domain/logging-configuration';
import type { ChatLogWriter } from '../../lambdas/core/ports';

/**
 * Local mode's destinations: each writes the records AWS would store, as JSON lines (one record a
 * line, appended in order), in files laid out like the AWS destination, under `root`:
 *
 * - `s3/<bucket>/AWSLogs/<account>/IVSChatLogs/1.0/<region>/room_<id>/YYYY/MM/DD/HH/<account>_IVSChatLogs_1.0_<region>_room_<id>_<YYYYMMDDHHmm>_local.log`
 *   (AWS's key layout, one file per room and minute, not gzipped so it can be read as it is)
 * - `cloudwatch/<log group>/aws/IVSChatLogs/1.0/room_<id>.log` (the room's log stream)
 * - `firehose/<delivery stream>/YYYY/MM/DD/HH/<delivery stream>.log` (Firehose's S3 delivery prefix; all rooms)
 *
 * Destination names become one directory each, with `/` (log groups have them) percent-encoded.
 * `root` itself is made on the first write, with `rootMode` (0o700, as mkdtemp would, for one under
 * the shared temporary directory).
 */
export function createFileChatLogWriter(root: string, scope: Scope, rootMode?: number): ChatLogWriter {
  const pathOf = (destination: DestinationConfiguration, { roomId, record }: ChatLogEntry): string => {
    if ('s3' in destination)
      return join(root, 's3', segment(destination.s3.bucketName), chatLogS3Key(scope, roomId, record.at, 'local', '.log'));
    if ('cloudWatchLogs' in destination) {
      return join(root, 'cloudwatch', segment(destination.cloudWatchLogs.logGroupName), `${chatLogStream(roomId)}.log`);
    }
    const stream = destination.firehose.deliveryStreamName;
    return join(root, 'firehose', segment(stream), utcHourPath(record.at), `${segment(stream)}.log`);
  };
  let made: Promise<unknown> | undefined;
  return {
    write: async (destination, entries) => {
      // Tried again on the next write if it failed (the writes are retried).
      made ??= mkdir(root, { recursive: true, mode: rootMode }).catch((err: unknown) => {
        made = undefined;
        throw err;
      });
      await made;
      const files = new Map<string, string[]>();
      for (const entry of entries) {
        const path = pathOf(destination, entry);
        const lines = files.get(path) ?? [];
        lines.push(entry.record.line);
        files.set(path, lines);
      }
      // One append per file and write: the queue above never runs two writes of a destination at once.
      for (const [path, lines] of files) {
        await mkdir(dirname(path), { recursive: true });
        await appendFile(path, lines.map((line) => `${line}\n`).join(''));
      }
    },
  };
}

/**
 * A destination name as one path segment. The names' patterns allow `/` (log groups) and names made
 * of dots only, which must not become directories or `..`; `%` is never in a valid name, so
 * percent-encoding them is unambiguous.
 */
export function segment(name: string): string {
  const encoded = encodeURIComponent(name);
  return /^\.+$/.test(encoded) ? encoded.replace(/\./g, '%2E') : encoded;
}
