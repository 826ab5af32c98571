import type { FieldError } from '../shared/errors';
import { roomIdentifier } from './room';
import { Schema, int, optional, required, str, struct } from './validate';

/** RFC 3339: date, `T`, time with optional fraction, and `Z` or an offset. */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * An RFC 3339 timestamp, read as epoch milliseconds. History keeps milliseconds, so a finer
 * fraction rounds up: an entry at .000 is before .0005, whichever bound that is.
 */
export function rfc3339(): Schema<number> {
  return {
    parse(value, path, errors) {
      const match = typeof value === 'string' ? RFC3339.exec(value) : null;
      const ms = match && isCalendarDate(match) ? Date.parse(value as string) : NaN;
      if (!match || Number.isNaN(ms)) {
        errors.push({ name: path, message: 'Member must be an RFC 3339 timestamp, e.g. 2026-01-01T12:00:00Z' });
        return undefined;
      }
      const beyondMs = (match[7] ?? '').slice(4);
      return /[1-9]/.test(beyondMs) ? ms + 1 : ms;
    },
  };
}

/** A real day and time of day: Date.parse would read 2026-02-30 as March 2nd. */
function isCalendarDate(match: RegExpExecArray): boolean {
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day && hour < 24 && minute < 60 && second < 60;
}

const boolean: Schema<boolean> = {
  parse(value, path, errors: FieldError[]) {
    if (typeof value === 'boolean') return value;
    errors.push({ name: path, message: 'Member must be a boolean' });
    return undefined;
  },
};

const listMessagesFields = struct({
  roomIdentifier: required(roomIdentifier),
  maxResults: optional(int({ min: 1, max: 100 })),
  nextToken: optional(str({ max: 1024 })),
  startTime: optional(rfc3339()),
  endTime: optional(rfc3339()),
  includeEvents: optional(boolean),
});

export type ListMessagesInput = NonNullable<ReturnType<typeof listMessagesFields.parse>>;

/** ListMessages' input; a time range that ends before (or where) it starts is refused rather than answered with nothing. */
export const listMessagesInput: Schema<ListMessagesInput> = {
  parse(value, path, errors) {
    const input = listMessagesFields.parse(value, path, errors);
    if (input?.startTime !== undefined && input.endTime !== undefined && input.endTime <= input.startTime) {
      errors.push({ name: 'endTime', message: 'Member must be later than startTime' });
      return undefined;
    }
    return input;
  },
};

/** The entry history keeps of a delivered frame: the frame itself, minus the sender's RequestId. */
export function historyEntryOf(frame: string): { id: string; type: 'MESSAGE' | 'EVENT'; sendTime: string; frame: string } {
  const { RequestId: _requestId, ...entry } = JSON.parse(frame) as Record<string, unknown>;
  if ((entry.Type !== 'MESSAGE' && entry.Type !== 'EVENT') || typeof entry.Id !== 'string' || typeof entry.SendTime !== 'string') {
    throw new Error('only MESSAGE and EVENT frames are kept in history');
  }
  return { id: entry.Id, type: entry.Type, sendTime: entry.SendTime, frame: JSON.stringify(entry) };
}
