import { fallbackVerdict, readReviewAnswer, reviewRequest } from '../../../lambdas/domain/review';

const original = { id: 'AbCdEfGhIjKl', content: 'hello there', attributes: { k: 'v' } };

test('the event is the payload AWS documents: Content, MessageId, RoomArn, Attributes, Sender {UserId, Attributes, Ip}', () => {
  expect(reviewRequest(original, 'arn:room', { userId: 'ann', attributes: { displayName: 'Ann' }, ip: '10.0.0.1' })).toEqual({
    Content: 'hello there',
    MessageId: 'AbCdEfGhIjKl',
    RoomArn: 'arn:room',
    Attributes: { k: 'v' },
    Sender: { UserId: 'ann', Attributes: { displayName: 'Ann' }, Ip: '10.0.0.1' },
  });
  expect(reviewRequest({ id: 'x', content: 'c' }, 'arn:room', { userId: 'u', attributes: {} })).toMatchObject({
    Attributes: {},
    Sender: { Ip: '' },
  });
});

describe('readReviewAnswer', () => {
  test('ALLOW delivers the returned content and attributes', () => {
    expect(readReviewAnswer({ ReviewResult: 'ALLOW', Content: 'h***o', Attributes: { masked: '1' } }, original, 500)).toEqual({
      result: 'ALLOW',
      content: 'h***o',
      attributes: { masked: '1' },
    });
  });

  test('ALLOW without Content or Attributes keeps the original ones', () => {
    expect(readReviewAnswer({ ReviewResult: 'ALLOW' }, original, 500)).toEqual({
      result: 'ALLOW',
      content: 'hello there',
      attributes: { k: 'v' },
    });
    expect(readReviewAnswer({ ReviewResult: 'ALLOW', Content: null, Attributes: null }, original, 500)).toEqual({
      result: 'ALLOW',
      content: 'hello there',
      attributes: { k: 'v' },
    });
  });

  test('DENY carries Attributes.Reason when the handler gave one', () => {
    expect(readReviewAnswer({ ReviewResult: 'DENY', Content: '', Attributes: { Reason: 'profanity' } }, original, 500)).toEqual({
      result: 'DENY',
      reason: 'profanity',
    });
    expect(readReviewAnswer({ ReviewResult: 'DENY' }, original, 500)).toEqual({ result: 'DENY' });
    expect(readReviewAnswer({ ReviewResult: 'DENY', Attributes: { Reason: '' } }, original, 500)).toEqual({ result: 'DENY' });
  });

  test('returned content longer than the room allows (in code points) is not a valid answer', () => {
    expect(readReviewAnswer({ ReviewResult: 'ALLOW', Content: '😀😀😀' }, original, 3)).toMatchObject({ content: '😀😀😀' });
    expect(readReviewAnswer({ ReviewResult: 'ALLOW', Content: '😀😀😀😀' }, original, 3)).toBeUndefined();
  });

  test.each([
    ['null', null],
    ['a string', 'ALLOW'],
    ['a list', [{ ReviewResult: 'ALLOW' }]],
    ['no ReviewResult', { Content: 'x' }],
    ['a lower-case result', { ReviewResult: 'allow' }],
    ['another result', { ReviewResult: 'MAYBE' }],
    ['Content that is not a string', { ReviewResult: 'ALLOW', Content: 5 }],
    ['Attributes that are not a map of strings', { ReviewResult: 'ALLOW', Attributes: { n: 1 } }],
    ['Attributes that are a list', { ReviewResult: 'DENY', Attributes: ['Reason'] }],
  ])('%s is not a valid answer', (_label, answer) => {
    expect(readReviewAnswer(answer, original, 500)).toBeUndefined();
  });
});

test('the fallback ALLOW keeps the message as sent; DENY has no reason', () => {
  expect(fallbackVerdict('ALLOW', original)).toEqual({ result: 'ALLOW', content: 'hello there', attributes: { k: 'v' } });
  expect(fallbackVerdict('DENY', original)).toEqual({ result: 'DENY' });
});
