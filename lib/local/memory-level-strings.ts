import { createRequire } from 'node:module';
import { flat } from './shared-strings';

/**
 * dynalite keeps an in-memory table in memory-level, whose default store encoding is 'buffer':
 * every key and every item (its JSON) is turned into a Buffer when written and back into a string
 * when read. A small Buffer is a slice of Node's shared 8 KiB allocation pool, and one long-lived
 * slice keeps its whole pool alive, so the table's few hundred bytes per connection (its record,
 * its used token, their index entries) held about 3.5 KiB of pools per connection, and each read
 * paid the Buffer-to-string decode. With 'utf8' the keys and the JSON are kept as strings.
 *
 * dynalite constructs its MemoryLevel itself, from the class it took from memory-level when it was
 * loaded, so the class is swapped for one whose store encoding defaults to 'utf8' before dynalite
 * loads (lib/local/dynalite.ts imports this module first, and checks the store it gets).
 *
 * The strings are also kept flat: JSON.stringify builds a longer text as a rope of pieces (V8's
 * ConsString), each piece its own heap object, and the store would keep the rope for the item's
 * life (about 0.5 KB more per connection over its record, used token and index entries). Each
 * string is copied flat as it is stored.
 *
 * The one difference it makes: memory-level then orders keys as JavaScript compares strings (UTF-16
 * code units) rather than by UTF-8 bytes, which differ only between characters above U+FFFF and
 * those from U+E000 to U+FFFF in a sort key; the persistent store (LevelDB) is not concerned.
 */
interface StoreOperation {
  type: string;
  key: unknown;
  value?: unknown;
}
type MemoryLevelClass = new (
  location?: unknown,
  options?: Record<string, unknown>,
) => {
  _put(key: unknown, value: unknown, options: unknown): Promise<void>;
  _batch(operations: StoreOperation[], options: unknown): Promise<void>;
};

/** A stored value flat (shared-strings.ts): the JSON text of an item, built by JSON.stringify as a rope. */
const flatValue = <T>(value: T): T => (typeof value === 'string' ? (flat(value) as T) : value);

const memoryLevel = createRequire(require.resolve('dynalite'))('memory-level') as {
  MemoryLevel: MemoryLevelClass & { keepsStrings?: true };
};

if (!memoryLevel.MemoryLevel.keepsStrings) {
  const Original = memoryLevel.MemoryLevel;
  class MemoryLevelOfStrings extends Original {
    constructor(location?: unknown, options?: Record<string, unknown>) {
      const given = typeof location === 'object' && location !== null ? (location as Record<string, unknown>) : (options ?? {});
      super({ storeEncoding: 'utf8', ...given });
    }
    override _put(key: unknown, value: unknown, options: unknown) {
      return super._put(key, flatValue(value), options);
    }
    override _batch(operations: StoreOperation[], options: unknown) {
      return super._batch(
        operations.map((op) => (op.type === 'put' ? { ...op, value: flatValue(op.value) } : op)),
        options,
      );
    }
  }
  memoryLevel.MemoryLevel = Object.assign(MemoryLevelOfStrings, { keepsStrings: true as const });
}

/** Whether a store dynalite made keeps its keys and values as strings (an abstract-level database). */
export const keepsStrings = (db: unknown): boolean => {
  const encodings = (db as { supports?: { encodings?: Record<string, boolean> } }).supports?.encodings ?? {};
  return encodings.utf8 === true && !encodings.buffer;
};
