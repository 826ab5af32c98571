import { parseArn } from '../domain/arn';
import { ChatLogRecord, chatLogRecord } from '../domain/chat-log';
import type { DestinationConfiguration, LoggingConfiguration } from '../domain/logging-configuration';
import type { Room } from '../domain/room';
import type { ChatLogEntry } from '../domain/chat-log';
import type { ChatLogWriter } from './ports';
import { logger } from '../shared/logger';

/**
 * The chat log of rooms with logging configurations: every MESSAGE and EVENT frame, after its
 * fan-out, goes to each destination of the room's configurations as AWS's chat-log record.
 * Logging never holds up or fails a delivery: frames are queued, and a destination that fails is
 * retried a few times, then its records are dropped with an error log line (they cannot be held
 * without bound). One queue per process keeps the order in which frames were sent.
 */
export interface ChatLog {
  /**
   * Takes a frame just sent to `room`. Resolves when this process may go idle without losing it:
   * once written where the process can be frozen after a request (Lambda), at once where it keeps
   * running (local mode). Never rejects.
   */
  record(room: Room, frame: string): Promise<void>;
  /** Resolves once every frame taken so far is written or given up on. */
  flush(): Promise<void>;
}

export interface ChatLogOptions {
  configurations: { getMany(ids: readonly string[]): Promise<LoggingConfiguration[]> };
  writer: ChatLogWriter;
  /** 'written' for Lambda, 'queued' for a long-running process: see ChatLog.record. */
  settle: 'written' | 'queued';
  /** Writes of one batch to one destination before its records are given up on. */
  attempts?: number;
  /** The wait before the first retry; it doubles each time. */
  retryDelayMs?: number;
  /** How long a configuration read is reused: an UpdateLoggingConfiguration reaches the log within this. */
  cacheMs?: number;
  /** Records per write. */
  maxBatch?: number;
  /** Records queued at most; beyond that new ones are dropped (and logged) rather than memory exhausted. */
  maxPending?: number;
  now?: () => number;
}

interface Pending {
  room: Room;
  record: ChatLogRecord;
  settled: () => void;
}

export function createChatLog(options: ChatLogOptions): ChatLog {
  const {
    writer,
    settle,
    attempts = 4,
    retryDelayMs = 50,
    cacheMs = 5_000,
    maxBatch = 500,
    maxPending = 100_000,
    now = Date.now,
  } = options;
  const queue: Pending[] = [];
  const cache = new Map<string, { configuration?: LoggingConfiguration; until: number }>();
  let draining: Promise<void> | undefined;

  const configurationsOf = async (ids: readonly string[]): Promise<Map<string, LoggingConfiguration>> => {
    const stale = ids.filter((id) => (cache.get(id)?.until ?? 0) <= now());
    if (stale.length > 0) {
      const found = await options.configurations.getMany(stale);
      const until = now() + cacheMs;
      for (const id of stale) cache.set(id, { configuration: found.find((c) => c.id === id), until });
    }
    return new Map(ids.flatMap((id) => (cache.get(id)?.configuration ? [[id, cache.get(id)?.configuration as LoggingConfiguration]] : [])));
  };

  /** Runs `work` until it succeeds or `attempts` are used up; false then, and the failure is logged. */
  const retried = async (what: Record<string, unknown>, work: () => Promise<unknown>): Promise<boolean> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await work();
        return true;
      } catch (err) {
        if (attempt >= attempts) {
          logger.error('chat log records dropped after retries', { ...what, attempts, error: err as Error });
          return false;
        }
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs * 2 ** (attempt - 1)));
      }
    }
  };

  /** The batch's entries per destination, in order; two configurations of a room with one destination write once. */
  const byDestination = (batch: readonly Pending[], configurations: Map<string, LoggingConfiguration>) => {
    const groups = new Map<string, { destination: DestinationConfiguration; entries: ChatLogEntry[] }>();
    for (const { room, record } of batch) {
      for (const key of new Set(configurationIdsOf(room).flatMap((id) => destinationKeyOf(configurations.get(id))))) {
        const group = groups.get(key) ?? { destination: JSON.parse(key) as DestinationConfiguration, entries: [] };
        group.entries.push({ roomId: room.id, record });
        groups.set(key, group);
      }
    }
    return [...groups.values()];
  };

  const writeBatch = async (batch: readonly Pending[]) => {
    const ids = [...new Set(batch.flatMap((p) => configurationIdsOf(p.room)))];
    let configurations = new Map<string, LoggingConfiguration>();
    const read = await retried({ reading: 'logging configurations', records: batch.length }, async () => {
      configurations = await configurationsOf(ids);
    });
    if (!read) return;
    await Promise.all(
      byDestination(batch, configurations).map(({ destination, entries }) =>
        retried({ destination: describe(destination), records: entries.length }, () => writer.write(destination, entries)),
      ),
    );
  };

  const drain = async () => {
    while (queue.length > 0) {
      const batch = queue.splice(0, maxBatch);
      await writeBatch(batch).catch((err: unknown) =>
        logger.error('chat log batch failed', { records: batch.length, error: err as Error }),
      );
      for (const pending of batch) pending.settled();
    }
  };

  const kick = () => {
    draining ??= drain().finally(() => {
      draining = undefined;
      if (queue.length > 0) kick();
    });
  };

  return {
    record: (room, frame) => {
      if (room.loggingConfigurationIdentifiers.length === 0) return Promise.resolve();
      const record = chatLogRecord(frame);
      if (!record) return Promise.resolve();
      if (queue.length >= maxPending) {
        logger.error('chat log queue full, record dropped', { roomId: room.id, maxPending });
        return Promise.resolve();
      }
      let settled = () => undefined as void;
      const written = new Promise<void>((resolve) => (settled = resolve));
      queue.push({ room, record, settled });
      kick();
      return settle === 'written' ? written : Promise.resolve();
    },
    flush: async () => {
      while (draining) await draining;
    },
  };
}

const configurationIdsOf = (room: Room): string[] => room.loggingConfigurationIdentifiers.map((arn) => parseArn(arn).id);

/** A destination as a stable key (a union has one member, so JSON is canonical); none for a missing configuration. */
const destinationKeyOf = (configuration: LoggingConfiguration | undefined): string[] =>
  configuration ? [JSON.stringify(configuration.destinationConfiguration)] : [];

/** A destination for log lines: its kind and name, nothing else. */
function describe(destination: DestinationConfiguration): string {
  if ('s3' in destination) return `s3:${destination.s3.bucketName}`;
  if ('cloudWatchLogs' in destination) return `cloudWatchLogs:${destination.cloudWatchLogs.logGroupName}`;
  return `firehose:${destination.firehose.deliveryStreamName}`;
}
