import { chatLogRecord, chatLogS3Key, chatLogS3Prefix, chatLogStream } from '../../../lambdas/domain/chat-log';
import { eventFrame, messageFrame } from '../../../lambdas/domain/messaging';

const scope = { region: 'us-east-1', accountId: '123456789012' };

test("a MESSAGE frame becomes AWS's record, the frame verbatim as payload", () => {
  const frame = messageFrame({
    id: 'WhO6MW6iRdS5',
    requestId: 'r-1',
    content: 'bbiab!',
    attributes: { username: 'gleningp' },
    sendTime: '2023-01-05T14:33:32.894Z',
    sender: { userId: 'u1', attributes: {} },
  });
  const record = chatLogRecord(frame);
  expect(record?.line).toBe(`{"event_timestamp":"2023-01-05T14:33:32.894Z","type":"MESSAGE","payload":${frame},"version":"1.0"}`);
  expect(JSON.parse(record?.line ?? '')).toEqual({
    event_timestamp: '2023-01-05T14:33:32.894Z',
    type: 'MESSAGE',
    payload: JSON.parse(frame),
    version: '1.0',
  });
  expect(record?.at).toEqual(new Date('2023-01-05T14:33:32.894Z'));
});

test('EVENT frames are logged as type EVENT; ERROR frames and garbage are not logged', () => {
  const frame = eventFrame({
    id: 'Ab12Cd34Ef56',
    eventName: 'aws:DELETE_MESSAGE',
    attributes: { MessageID: 'x' },
    sendTime: '2024-01-01T00:00:00.000Z',
  });
  expect(JSON.parse(chatLogRecord(frame)?.line ?? '')).toMatchObject({ type: 'EVENT', payload: { EventName: 'aws:DELETE_MESSAGE' } });
  expect(chatLogRecord('{"Type":"ERROR","Id":"x","ErrorCode":406,"ErrorMessage":"no"}')).toBeUndefined();
  expect(chatLogRecord('not json')).toBeUndefined();
  expect(chatLogRecord('{"Type":"MESSAGE","SendTime":"yesterday"}')).toBeUndefined();
});

test("names are the ones AWS writes: the room's log stream, and the S3 prefix and file name", () => {
  expect(chatLogStream('0wgOPVl4ZRdu')).toBe('aws/IVSChatLogs/1.0/room_0wgOPVl4ZRdu');
  const at = new Date('2024-03-09T07:05:59.123Z');
  expect(chatLogS3Prefix(scope, 'abcdEFGH1234', at)).toBe(
    'AWSLogs/123456789012/IVSChatLogs/1.0/us-east-1/room_abcdEFGH1234/2024/03/09/07/',
  );
  const key = chatLogS3Key(scope, 'abcdEFGH1234', at, 'XyZ');
  expect(key).toBe(
    'AWSLogs/123456789012/IVSChatLogs/1.0/us-east-1/room_abcdEFGH1234/2024/03/09/07/123456789012_IVSChatLogs_1.0_us-east-1_room_abcdEFGH1234_202403090705_XyZ.log.gz',
  );
  // What readers of AWS's chat logs match on.
  expect(key).toMatch(/\/123456789012_IVSChatLogs_1.0_us-east-1_room_abcdEFGH1234_.*.log.gz$/);
});
