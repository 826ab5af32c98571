import { FieldError, ValidationException } from '../shared/errors';

/**
 * A small schema language for request members. AWS services validate every member on the server
 * (the SDK sends whatever it is given), and answer with one ValidationException that lists every
 * bad member; schemas here collect all problems instead of stopping at the first.
 * Messages follow the wording AWS's validators use ("Member must ...").
 */
export interface Schema<T> {
  parse(value: unknown, path: string, errors: FieldError[]): T | undefined;
}

interface StringRules {
  min?: number;
  max?: number;
  pattern?: RegExp;
  /** False for free text that is only ever echoed back (message content, attributes), where a lone surrogate is allowed. */
  wellFormed?: boolean;
}

/** A JSON string with optional length bounds and pattern. */
export function str(rules: StringRules = {}): Schema<string> {
  return {
    parse(value, path, errors) {
      if (typeof value !== 'string') return fail(errors, path, 'Member must be a string');
      // A lone surrogate becomes U+FFFD once encoded as UTF-8 (DynamoDB keys, tokens, frames), so
      // distinct ids such as "a\ud800" and "a\udbff" would meet: such strings are refused.
      if (rules.wellFormed !== false && !isWellFormed(value)) return fail(errors, path, 'Member must be a well-formed Unicode string');
      // Smithy's length trait counts Unicode code points, not UTF-16 units.
      const length = [...value].length;
      if (rules.min !== undefined && length < rules.min) {
        return fail(errors, path, `Member must have length greater than or equal to ${rules.min}`);
      }
      if (rules.max !== undefined && length > rules.max) {
        return fail(errors, path, `Member must have length less than or equal to ${rules.max}`);
      }
      if (rules.pattern && !rules.pattern.test(value)) {
        return fail(errors, path, `Member must satisfy regular expression pattern: ${rules.pattern.source.replace(/\\\//g, '/')}`);
      }
      return value;
    },
  };
}

/** Free text that is only ever echoed back (message content, attributes): any string, lone surrogates included. */
export const freeText = (rules: { min?: number; max?: number } = {}): Schema<string> => str({ ...rules, wellFormed: false });

/** A JSON number that is a whole number within [min, max]. */
export function int(rules: { min: number; max: number }): Schema<number> {
  return {
    parse(value, path, errors) {
      if (typeof value !== 'number' || !Number.isInteger(value)) return fail(errors, path, 'Member must be an integer');
      if (value < rules.min) return fail(errors, path, `Member must have value greater than or equal to ${rules.min}`);
      if (value > rules.max) return fail(errors, path, `Member must have value less than or equal to ${rules.max}`);
      return value;
    },
  };
}

/** One of a fixed set of strings. */
export function oneOf<const V extends string>(values: readonly V[]): Schema<V> {
  return {
    parse(value, path, errors) {
      if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
        return fail(errors, path, `Member must satisfy enum value set: [${values.join(', ')}]`);
      }
      return value as V;
    },
  };
}

/** A JSON array of items, with a bound on its length. */
export function list<T>(item: Schema<T>, rules: { min?: number; max?: number } = {}): Schema<T[]> {
  return {
    parse(value, path, errors) {
      if (!Array.isArray(value)) return fail(errors, path, 'Member must be a list');
      if (rules.min !== undefined && value.length < rules.min) {
        return fail(errors, path, `Member must have length greater than or equal to ${rules.min}`);
      }
      if (rules.max !== undefined && value.length > rules.max) {
        return fail(errors, path, `Member must have length less than or equal to ${rules.max}`);
      }
      const before = errors.length;
      const out = value.map((v, i) => item.parse(v, `${path}[${i}]`, errors));
      return errors.length === before ? (out as T[]) : undefined;
    },
  };
}

/** A JSON object of string keys to string values. */
export function stringMap(rules: {
  key: Schema<string>;
  value: Schema<string>;
  maxEntries?: number;
  /** Total UTF-8 bytes of keys and values, for limits AWS documents as "1 KB total". */
  maxTotalBytes?: number;
}): Schema<Record<string, string>> {
  return {
    parse(value, path, errors) {
      if (!isPlainObject(value)) return fail(errors, path, 'Member must be a map of strings to strings');
      const entries = Object.entries(value);
      if (rules.maxEntries !== undefined && entries.length > rules.maxEntries) {
        return fail(errors, path, `Member must have length less than or equal to ${rules.maxEntries}`);
      }
      const before = errors.length;
      const out: Record<string, string> = {};
      let bytes = 0;
      for (const [k, v] of entries) {
        const key = rules.key.parse(k, `${path}.key`, errors);
        const val = rules.value.parse(v, `${path}.${k}`, errors);
        if (key === '__proto__') {
          // JavaScript objects (and so the DynamoDB document client) cannot keep this key: refused
          // with a clear error rather than accepted and silently lost.
          fail(errors, `${path}.key`, 'Member must not be __proto__');
        } else if (key !== undefined && val !== undefined) {
          out[key] = val;
          bytes += Buffer.byteLength(key) + Buffer.byteLength(val);
        }
      }
      if (errors.length !== before) return undefined;
      if (rules.maxTotalBytes !== undefined && bytes > rules.maxTotalBytes) {
        return fail(errors, path, `Member must total at most ${rules.maxTotalBytes} bytes of keys and values`);
      }
      return out;
    },
  };
}

type UnionOf<M extends Record<string, Schema<unknown>>> = {
  [K in keyof M]: { [P in K]: M[K] extends Schema<infer T> ? T : never };
}[keyof M];

/**
 * A Smithy union: a JSON object with exactly one of the named members set (AWS's
 * DestinationConfiguration holds one of s3, cloudWatchLogs or firehose). Other keys are ignored.
 */
export function union<M extends Record<string, Schema<unknown>>>(members: M): Schema<UnionOf<M>> {
  return {
    parse(value, path, errors) {
      if (!isPlainObject(value)) return fail(errors, path, 'Member must be a structure');
      const names = Object.keys(members);
      const set = names.filter((name) => value[name] !== undefined && value[name] !== null);
      const [name] = set;
      if (set.length !== 1 || name === undefined) return fail(errors, path, `Member must have exactly one of [${names.join(', ')}] set`);
      const parsed = (members[name] as Schema<unknown>).parse(value[name], path ? `${path}.${name}` : name, errors);
      return parsed === undefined ? undefined : ({ [name]: parsed } as UnionOf<M>);
    },
  };
}

export interface Field<T, R extends boolean> {
  schema: Schema<T>;
  required: R;
}
/** A member that must be present (JSON null counts as absent, as in AWS's JSON protocols). */
export const required = <T>(schema: Schema<T>): Field<T, true> => ({ schema, required: true });
/** A member that may be absent. */
export const optional = <T>(schema: Schema<T>): Field<T, false> => ({ schema, required: false });

type Fields = Record<string, Field<unknown, boolean>>;
export type Parsed<F extends Fields> = {
  [K in keyof F as F[K]['required'] extends true ? K : never]: F[K] extends Field<infer T, boolean> ? T : never;
} & {
  [K in keyof F as F[K]['required'] extends true ? never : K]?: F[K] extends Field<infer T, boolean> ? T : never;
};

/** A JSON object with named members. Unknown members are ignored, as AWS services do. */
export function struct<F extends Fields>(fields: F): Schema<Parsed<F>> {
  return {
    parse(value, path, errors) {
      if (!isPlainObject(value)) return fail(errors, path, 'Member must be a structure');
      const before = errors.length;
      const out: Record<string, unknown> = {};
      for (const [name, field] of Object.entries(fields)) {
        const memberPath = path ? `${path}.${name}` : name;
        const member = value[name];
        if (member === undefined || member === null) {
          if (field.required) fail(errors, memberPath, 'Member must not be null');
          continue;
        }
        const parsed = field.schema.parse(member, memberPath, errors);
        if (parsed !== undefined) out[name] = parsed;
      }
      return errors.length === before ? (out as Parsed<F>) : undefined;
    },
  };
}

/**
 * Parses a request against its schema, or throws one ValidationException
 * (reason FIELD_VALIDATION_FAILED) whose fieldList names each bad member.
 */
/** `value` read by `schema`, with what is wrong with it: what frames and review answers are checked with. */
export function check<T>(schema: Schema<T>, value: unknown): { value?: T; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const parsed = schema.parse(value, '', errors);
  return errors.length > 0 || parsed === undefined ? { errors } : { value: parsed, errors };
}

export function parseInput<T>(schema: Schema<T>, input: unknown): T {
  const errors: FieldError[] = [];
  const parsed = schema.parse(input, '', errors);
  if (errors.length > 0 || parsed === undefined) {
    throw ValidationException.forFields(errors.length > 0 ? errors : [{ name: 'body', message: 'Invalid request' }]);
  }
  return parsed;
}

function fail(errors: FieldError[], name: string, message: string): undefined {
  errors.push({ name: name || 'body', message });
  return undefined;
}

/** A JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** False when the string holds a lone (unpaired) UTF-16 surrogate; in `u` mode a pair is one code point. */
export const isWellFormed = (value: string): boolean => !/\p{Cs}/u.test(value);
