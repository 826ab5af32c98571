import { jsonDepthExceeds, topLevelString } from '../../../lambdas/domain/json-text';

describe('jsonDepthExceeds', () => {
  test('counts arrays and objects, not brackets inside strings', () => {
    expect(jsonDepthExceeds('{"a":{"b":[1]}}', 3)).toBe(false);
    expect(jsonDepthExceeds('{"a":{"b":[1]}}', 2)).toBe(true);
    expect(jsonDepthExceeds(JSON.stringify({ a: '[[[[[[{{{{{', b: 'x\\"[[[[' }), 1)).toBe(false);
    expect(jsonDepthExceeds('['.repeat(100_000))).toBe(true);
    expect(jsonDepthExceeds('not json at all')).toBe(false);
  });
});

describe('topLevelString', () => {
  test('finds a member of the outermost object only', () => {
    expect(topLevelString('{"Action":"SEND_MESSAGE","RequestId":"r-1","Content":', 'RequestId')).toBe('r-1');
    expect(topLevelString('{ "RequestId" : "r\\u0032" , "x": [[[', 'RequestId')).toBe('r2');
    expect(topLevelString('{"Attributes":{"RequestId":"inner"}}', 'RequestId')).toBeUndefined();
    expect(topLevelString('{"Content":"\\"RequestId\\":\\"fake\\""}', 'RequestId')).toBeUndefined();
    expect(topLevelString('{"Content":"RequestId","RequestId":7}', 'RequestId')).toBeUndefined();
    expect(topLevelString('[{"RequestId":"in-array"}]', 'RequestId')).toBeUndefined();
    expect(topLevelString('garbage', 'RequestId')).toBeUndefined();
  });

  test('a value that is a key elsewhere is not taken for the key', () => {
    expect(topLevelString('{"a":"RequestId","RequestId":"real"}', 'RequestId')).toBe('real');
  });
});
