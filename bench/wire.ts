/**
 * Milliseconds on CLOCK_MONOTONIC: the same clock in every process of the machine, so a send time
 * taken in the bench's process and an arrival taken in a receiver process can be subtracted.
 */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/**
 * The sequence number of a fan-out frame: messages carry `<tag>:<seq>` as RequestId, which the
 * MESSAGE (and ERROR) frame echoes, so it is found without parsing the frame; -1 for a frame of
 * another run or without one.
 */
export function frameSeq(frame: Buffer, key: Buffer, total: number): number {
  const at = frame.indexOf(key);
  if (at < 0) return -1;
  let seq = 0;
  for (let i = at + key.length; i < frame.length; i++) {
    const c = frame[i] as number;
    if (c < 48 || c > 57) break;
    seq = seq * 10 + (c - 48);
  }
  return seq < total ? seq : -1;
}

/** What frameSeq looks for in the frames of the run tagged `tag`. */
export const seqKey = (tag: string): Buffer => Buffer.from(`"RequestId":"${tag}:`);
