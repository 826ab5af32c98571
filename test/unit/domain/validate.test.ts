import { ValidationException } from '../../../lambdas/shared/errors';
import { int, list, oneOf, optional, parseInput, required, str, stringMap, struct, union } from '../../../lambdas/domain/validate';

const schema = struct({
  name: optional(str({ max: 5, pattern: /^[a-z]*$/ })),
  count: required(int({ min: 1, max: 10 })),
  mode: optional(oneOf(['A', 'B'])),
  items: optional(list(str({ min: 1 }), { max: 2 })),
  attrs: optional(stringMap({ key: str({ min: 1 }), value: str({ max: 3 }), maxEntries: 2, maxTotalBytes: 6 })),
});

function fieldErrors(input: unknown) {
  try {
    parseInput(schema, input);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationException);
    const v = err as ValidationException;
    expect(v.reason).toBe('FIELD_VALIDATION_FAILED');
    return v.fieldList;
  }
  throw new Error('expected a ValidationException');
}

describe('parseInput', () => {
  test('returns the typed value and drops unknown members and nulls', () => {
    expect(parseInput(schema, { count: 3, name: 'ab', extra: 1, mode: null })).toEqual({ count: 3, name: 'ab' });
  });

  test('names every bad member, with AWS wording', () => {
    expect(fieldErrors({ name: 'TOO-LONG', count: 11, mode: 'C' })).toEqual([
      { name: 'name', message: 'Member must have length less than or equal to 5' },
      { name: 'count', message: 'Member must have value less than or equal to 10' },
      { name: 'mode', message: 'Member must satisfy enum value set: [A, B]' },
    ]);
  });

  test('a required member that is missing or null', () => {
    expect(fieldErrors({})).toEqual([{ name: 'count', message: 'Member must not be null' }]);
    expect(fieldErrors({ count: null })).toEqual([{ name: 'count', message: 'Member must not be null' }]);
  });

  test('wrong JSON types are validation errors, not crashes', () => {
    expect(fieldErrors({ count: '3' })).toEqual([{ name: 'count', message: 'Member must be an integer' }]);
    expect(fieldErrors({ count: 1.5 })).toEqual([{ name: 'count', message: 'Member must be an integer' }]);
    expect(fieldErrors({ count: 1, name: 5 })).toEqual([{ name: 'name', message: 'Member must be a string' }]);
    expect(fieldErrors({ count: 1, items: 'x' })).toEqual([{ name: 'items', message: 'Member must be a list' }]);
    expect(fieldErrors({ count: 1, attrs: [] })).toEqual([{ name: 'attrs', message: 'Member must be a map of strings to strings' }]);
    expect(fieldErrors([])).toEqual([{ name: 'body', message: 'Member must be a structure' }]);
  });

  test('string length counts code points, not UTF-16 units', () => {
    const three = struct({ s: required(str({ max: 3 })) });
    expect(parseInput(three, { s: '😀😀😀' })).toEqual({ s: '😀😀😀' });
    expect(() => parseInput(three, { s: '😀😀😀😀' })).toThrow('s: Member must have length less than or equal to 3');
  });

  test('pattern failures quote the pattern', () => {
    expect(fieldErrors({ count: 1, name: 'A' })).toEqual([
      { name: 'name', message: 'Member must satisfy regular expression pattern: ^[a-z]*$' },
    ]);
  });

  test('lists and maps check their bounds and each element', () => {
    expect(fieldErrors({ count: 1, items: ['a', 'b', 'c'] })).toEqual([
      { name: 'items', message: 'Member must have length less than or equal to 2' },
    ]);
    expect(fieldErrors({ count: 1, items: ['a', ''] })).toEqual([
      { name: 'items[1]', message: 'Member must have length greater than or equal to 1' },
    ]);
    expect(fieldErrors({ count: 1, attrs: { a: '1', b: '2', c: '3' } })).toEqual([
      { name: 'attrs', message: 'Member must have length less than or equal to 2' },
    ]);
    expect(fieldErrors({ count: 1, attrs: { abc: 'def', g: 'h' } })).toEqual([
      { name: 'attrs', message: 'Member must total at most 6 bytes of keys and values' },
    ]);
    expect(fieldErrors({ count: 1, ...JSON.parse('{"attrs":{"__proto__":"x"}}') })).toEqual([
      { name: 'attrs.key', message: 'Member must not be __proto__' },
    ]);
    expect(fieldErrors({ count: 1, attrs: { '': 'x' } })).toEqual([
      { name: 'attrs.key', message: 'Member must have length greater than or equal to 1' },
    ]);
  });
});

describe('union', () => {
  const destination = struct({
    dest: required(union({ a: struct({ x: required(str({ min: 1 })) }), b: struct({ y: required(int({ min: 0, max: 9 })) }) })),
  });
  const errorsOf = (input: unknown) => {
    const errors: { name: string; message: string }[] = [];
    destination.parse(input, '', errors);
    return errors;
  };

  test('takes exactly one member, parsed by its own schema, and ignores other keys', () => {
    expect(parseInput(destination, { dest: { a: { x: 'v' } } })).toEqual({ dest: { a: { x: 'v' } } });
    expect(parseInput(destination, { dest: { b: { y: 3 }, a: null, other: 1 } })).toEqual({ dest: { b: { y: 3 } } });
  });

  test('none, two, or a non-object is one error on the union itself', () => {
    for (const dest of [{}, { a: { x: 'v' }, b: { y: 1 } }]) {
      expect(errorsOf({ dest })).toEqual([{ name: 'dest', message: 'Member must have exactly one of [a, b] set' }]);
    }
    for (const dest of ['a', []]) expect(errorsOf({ dest })).toEqual([{ name: 'dest', message: 'Member must be a structure' }]);
  });

  test('a bad member is reported by its path inside the union', () => {
    expect(errorsOf({ dest: { b: { y: 10 } } })).toEqual([{ name: 'dest.b.y', message: 'Member must have value less than or equal to 9' }]);
    expect(errorsOf({ dest: { a: {} } })).toEqual([{ name: 'dest.a.x', message: 'Member must not be null' }]);
  });
});

describe('well-formed strings', () => {
  test('a lone surrogate is refused, a pair and U+FFFD are not', () => {
    expect(fieldErrors({ count: 1, items: ['a\udbff'] })).toEqual([
      { name: 'items[0]', message: 'Member must be a well-formed Unicode string' },
    ]);
    expect(fieldErrors({ count: 1, items: ['\ud800b'] })).toHaveLength(1);
    expect(parseInput(schema, { count: 1, items: ['a\ufffd', 'a\ud83d\ude00'] })).toEqual({
      count: 1,
      items: ['a\ufffd', 'a\ud83d\ude00'],
    });
  });
});
