import {
  contentLength,
  deleteMessageAttributes,
  errorFrame,
  eventFrame,
  messageFrame,
  parseClientAction,
} from '../../../lambdas/domain/messaging';

describe('parseClientAction', () => {
  test('reads the three actions as the official client sends them', () => {
    expect(parseClientAction('{"Action":"SEND_MESSAGE","RequestId":"r1","Content":"hi","Attributes":{"a":"b"}}')).toEqual({
      requestId: 'r1',
      action: { Action: 'SEND_MESSAGE', RequestId: 'r1', Content: 'hi', Attributes: { a: 'b' } },
    });
    expect(parseClientAction('{"Action":"DELETE_MESSAGE","RequestId":"r2","Id":"M2YcHkgffEvU","Reason":"spam"}').action).toEqual({
      Action: 'DELETE_MESSAGE',
      RequestId: 'r2',
      Id: 'M2YcHkgffEvU',
      Reason: 'spam',
    });
    expect(parseClientAction('{"Action":"DISCONNECT_USER","UserId":"u2"}').action).toEqual({ Action: 'DISCONNECT_USER', UserId: 'u2' });
  });

  test.each([
    ['not json', 400, undefined],
    ['[]', 400, undefined],
    ['{"Action":"PUBLISH","RequestId":"r"}', 400, 'r'],
    ['{"Action":"SEND_MESSAGE","RequestId":"r"}', 400, 'r'],
    ['{"Action":"SEND_MESSAGE","RequestId":"r","Content":"x","Attributes":{"a":1}}', 400, 'r'],
    ['{"Action":"DELETE_MESSAGE","RequestId":"r","Id":"short"}', 400, 'r'],
    ['{"Action":"DISCONNECT_USER","RequestId":"r","UserId":""}', 400, 'r'],
    ['{"Action":"DISCONNECT_USER","RequestId":"r","UserId":"u","Reason":""}', 400, 'r'],
    [JSON.stringify({ Action: 'SEND_MESSAGE', Content: 'x'.repeat(200 * 1024) }), 413, undefined],
    [JSON.stringify({ Action: 'SEND_MESSAGE', RequestId: 'r', Content: 'x'.repeat(200 * 1024) }), 413, 'r'],
    [`{"RequestId":"r","Action":"SEND_MESSAGE","Content":${'['.repeat(40)}1${']'.repeat(40)}}`, 400, 'r'],
    ['{"RequestId":"r","Action":"SEND_MESSAGE","Content":"unterminated', 400, 'r'],
    ['{"Action":"DISCONNECT_USER","RequestId":"r","UserId":"a\\udbff"}', 400, 'r'],
  ])('%s is refused with %i, keeping RequestId %s', (text, code, requestId) => {
    const parsed = parseClientAction(text);
    expect(parsed.action).toBeUndefined();
    expect(parsed.error?.code).toBe(code);
    expect(parsed.requestId).toBe(requestId);
  });
});

test('content length counts code points', () => {
  expect(contentLength('😀😀😀😀😀')).toBe(5);
  expect(contentLength('abc')).toBe(3);
});

test('frames have the wire shape the official client parses', () => {
  expect(
    JSON.parse(
      messageFrame({ id: 'M2YcHkgffEvU', requestId: 'r', content: 'hi', sendTime: 't', sender: { userId: 'u', attributes: { a: 'b' } } }),
    ),
  ).toEqual({
    Type: 'MESSAGE',
    Id: 'M2YcHkgffEvU',
    RequestId: 'r',
    Attributes: null,
    Content: 'hi',
    SendTime: 't',
    Sender: { UserId: 'u', Attributes: { a: 'b' } },
  });
  expect(
    JSON.parse(eventFrame({ id: 'E', eventName: 'aws:DELETE_MESSAGE', attributes: deleteMessageAttributes('M', 'spam'), sendTime: 't' })),
  ).toEqual({
    Type: 'EVENT',
    Id: 'E',
    RequestId: '',
    EventName: 'aws:DELETE_MESSAGE',
    Attributes: { MessageId: 'M', MessageID: 'M', Reason: 'spam' },
    SendTime: 't',
  });
  expect(JSON.parse(errorFrame({ id: 'X', code: 401, message: 'expired' }))).toEqual({
    Type: 'ERROR',
    Id: 'X',
    ErrorCode: 401,
    ErrorMessage: 'expired',
  });
});
