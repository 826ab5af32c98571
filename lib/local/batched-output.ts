/** Text held at most before it is written out at once, whatever the tick. */
const MAX_HELD_BYTES = 64 * 1024;

type WriteCallback = (err?: Error | null) => void;

/**
 * Makes a stream's text writes go out together once per turn of the event loop: every log line of
 * a busy server was its own write(2) (stdout is synchronous on a file, and on a pipe on Linux),
 * about a tenth of the CPU a connection costs (docs/performance.md). The stream's lines keep their
 * order and every line is written; what was written in one turn goes out at the end of it
 * (setImmediate), at once past MAX_HELD_BYTES, and on process exit. Only a kill between a write and
 * the end of its turn loses it (and on macOS, where pipes are asynchronous, what is still queued at
 * exit may be). Another stream is not held: a WARN on stderr may show before the INFO lines of its
 * own turn in a shared terminal. Buffers and non-UTF-8 writes go through at once, after what is held. For `npm start` only
 * (bin/local.ts): a process embedding the stack keeps its own output as it is.
 */
export function batchWrites(stream: NodeJS.WritableStream): void {
  const write = stream.write.bind(stream) as (chunk: string | Uint8Array, encoding?: BufferEncoding, cb?: WriteCallback) => boolean;
  let held: string[] = [];
  let callbacks: WriteCallback[] = [];
  let bytes = 0;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (held.length === 0) return true;
    const text = held.join('');
    const waiting = callbacks;
    held = [];
    callbacks = [];
    bytes = 0;
    return write(text, 'utf8', waiting.length === 0 ? undefined : (err) => waiting.forEach((cb) => cb(err)));
  };
  stream.write = ((chunk: string | Uint8Array, encoding?: BufferEncoding | WriteCallback, cb?: WriteCallback): boolean => {
    const callback = typeof encoding === 'function' ? encoding : cb;
    const charset = typeof encoding === 'string' ? encoding : 'utf8';
    if (typeof chunk !== 'string' || (charset !== 'utf8' && charset !== 'utf-8')) {
      flush();
      return write(chunk, typeof encoding === 'string' ? encoding : undefined, callback);
    }
    held.push(chunk);
    if (callback) callbacks.push(callback);
    bytes += chunk.length;
    if (bytes >= MAX_HELD_BYTES) return flush();
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
    return true;
  }) as typeof stream.write;
  process.on('exit', flush);
}
