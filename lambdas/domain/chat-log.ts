import type { Scope } from './arn';

/**
 * The chat log: what a logged room's activity looks like in its logging configurations'
 * destinations. The record is the one AWS documents for IVS Chat logging ("IVS Chat Logging",
 * Message Content): `{event_timestamp, type, payload, version}`, where payload is the MESSAGE or
 * EVENT frame exactly as clients receive it, type is MESSAGE or EVENT and version is "1.0". The
 * names (S3 key prefix, CloudWatch log stream) are the ones AWS writes, so code that reads AWS's
 * chat logs reads these.
 */
export const CHAT_LOG_VERSION = '1.0';

/** One record, serialised: a line of JSON, with the time it is filed under. */
export interface ChatLogRecord {
  line: string;
  at: Date;
}

/**
 * The record of a frame sent to a room, or undefined for a frame that is not logged (only MESSAGE
 * and EVENT are). event_timestamp is when the service took the message, which is the frame's
 * SendTime. The frame goes in verbatim: what is logged is byte for byte what clients got.
 */
export function chatLogRecord(frame: string): ChatLogRecord | undefined {
  let parsed: { Type?: unknown; SendTime?: unknown };
  try {
    parsed = JSON.parse(frame) as typeof parsed;
  } catch {
    return undefined;
  }
  if ((parsed.Type !== 'MESSAGE' && parsed.Type !== 'EVENT') || typeof parsed.SendTime !== 'string') return undefined;
  const at = new Date(parsed.SendTime);
  if (Number.isNaN(at.getTime())) return undefined;
  const line = `{"event_timestamp":${JSON.stringify(at.toISOString())},"type":"${parsed.Type}","payload":${frame},"version":"${CHAT_LOG_VERSION}"}`;
  return { line, at };
}

/** One record of the chat log, and the room it belongs to. */
export interface ChatLogEntry {
  roomId: string;
  record: ChatLogRecord;
}

/** Entries grouped by room, rooms in order of first appearance, records in their order. */
export function byRoom(entries: readonly ChatLogEntry[]): Map<string, ChatLogRecord[]> {
  const rooms = new Map<string, ChatLogRecord[]>();
  for (const { roomId, record } of entries) {
    const records = rooms.get(roomId) ?? [];
    records.push(record);
    rooms.set(roomId, records);
  }
  return rooms;
}

/** Records as JSON lines, each ending with a newline. */
export const linesOf = (records: readonly ChatLogRecord[]): string => records.map((r) => `${r.line}\n`).join('');

/** Records as JSON lines, each ending with a newline. */

/** The CloudWatch Logs stream AWS writes a room's log to, in the configuration's log group. */
export const chatLogStream = (roomId: string): string => `aws/IVSChatLogs/${CHAT_LOG_VERSION}/room_${roomId}`;

const utcParts = (at: Date) => {
  const iso = at.toISOString();
  return { year: iso.slice(0, 4), month: iso.slice(5, 7), day: iso.slice(8, 10), hour: iso.slice(11, 13), minute: iso.slice(14, 16) };
};

/** `YYYY/MM/DD/HH` in UTC: how AWS (S3 chat logs, Firehose's S3 delivery) files things by the hour. */
export function utcHourPath(at: Date): string {
  const { year, month, day, hour } = utcParts(at);
  return `${year}/${month}/${day}/${hour}`;
}

/** `AWSLogs/<account>/IVSChatLogs/1.0/<region>/room_<id>/YYYY/MM/DD/HH/`: the S3 prefix AWS files a room's hour under. */
export function chatLogS3Prefix(scope: Scope, roomId: string, at: Date): string {
  return `AWSLogs/${scope.accountId}/IVSChatLogs/${CHAT_LOG_VERSION}/${scope.region}/room_${roomId}/${utcHourPath(at)}/`;
}

/**
 * The key of one S3 object of a room's log: AWS's prefix and `<account>_IVSChatLogs_1.0_<region>_room_<id>_…`
 * name, ending `.log.gz` (gzipped JSON lines). The middle of the name, the batch's UTC minute and
 * `suffix` (unique per object), is ours: AWS's own is not documented beyond its shape.
 */
export function chatLogS3Key(scope: Scope, roomId: string, at: Date, suffix: string, extension = '.log.gz'): string {
  const { year, month, day, hour, minute } = utcParts(at);
  const name = `${scope.accountId}_IVSChatLogs_${CHAT_LOG_VERSION}_${scope.region}_room_${roomId}_${year}${month}${day}${hour}${minute}_${suffix}`;
  return `${chatLogS3Prefix(scope, roomId, at)}${name}${extension}`;
}
