// A message review handler for IVS Chat rooms: a small word-list profanity filter.
//
// It masks listed words with asterisks, and denies a message that contains a "deny" word or that is
// mostly listed words. The same file runs as an AWS Lambda function (Node.js, handler
// `profanity.handler`) and in local mode, through IVSCHAT_LAMBDAS_FILE:
//   {"arn:aws:lambda:us-east-1:000000000000:function:profanity": "./examples/profanity.mjs"}
// and a room created with messageReviewHandler {uri: that ARN}. See docs/room-parity.md.
//
// The lists are deliberately mild; replace them through the environment (comma-separated):
//   PROFANITY_WORDS       words to mask                (default: darn,heck,dang,crud)
//   PROFANITY_DENY_WORDS  words that deny the message  (default: forbiddenword)

const list = (text, fallback) =>
  (text ?? fallback)
    .split(',')
    .map((word) => normalize(word.trim()))
    .filter(Boolean);

/** Case, accents, look-alike digits and stretched letters ("HEEECK", "h3ck") do not hide a word. */
function normalize(word) {
  const LOOK_ALIKES = { 0: 'o', 1: 'i', 3: 'e', 4: 'a', 5: 's', 7: 't', '@': 'a', $: 's' };
  return word
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[013457@$]/g, (c) => LOOK_ALIKES[c])
    .replace(/(\p{L})\1+/gu, '$1');
}

const MASKED = new Set(list(process.env.PROFANITY_WORDS, 'darn,heck,dang,crud'));
const DENIED = new Set(list(process.env.PROFANITY_DENY_WORDS, 'forbiddenword'));
/** A message whose words are more than this share of listed words is denied, not masked. */
const MOSTLY = 0.5;
const SUFFIXES = ['', 's', 'es', 'ed', 'ing', 'er', 'it'];

const WORD = /[\p{L}\p{N}@$']+/gu;

/** True when `word` is a listed word, perhaps with a common ending ("darned", "hecking"). */
const isListed = (word, words) => {
  const plain = normalize(word);
  return SUFFIXES.some((suffix) => plain.endsWith(suffix) && words.has(plain.slice(0, plain.length - suffix.length)));
};

/**
 * The review: the event holds Content, MessageId, RoomArn, Attributes and Sender {UserId,
 * Attributes, Ip}; the answer is ReviewResult ALLOW (with the content and attributes to deliver) or
 * DENY (Attributes.Reason is what the sender is told, in its ERROR 406).
 */
export async function handler(event) {
  const content = typeof event?.Content === 'string' ? event.Content : '';
  const attributes = event?.Attributes ?? {};
  const words = [...content.matchAll(WORD)];
  if (words.some((m) => isListed(m[0], DENIED))) {
    return { ReviewResult: 'DENY', Content: '', Attributes: { Reason: 'The message contains a word that is not allowed here' } };
  }
  const listed = words.filter((m) => isListed(m[0], MASKED));
  if (listed.length > 0 && listed.length / words.length > MOSTLY) {
    return { ReviewResult: 'DENY', Content: '', Attributes: { Reason: 'The message is mostly profanity' } };
  }
  if (listed.length === 0) return { ReviewResult: 'ALLOW', Content: content, Attributes: attributes };
  let masked = '';
  let from = 0;
  for (const m of listed) {
    masked += content.slice(from, m.index) + '*'.repeat([...m[0]].length);
    from = m.index + m[0].length;
  }
  masked += content.slice(from);
  return { ReviewResult: 'ALLOW', Content: masked, Attributes: { ...attributes, moderation: 'masked' } };
}
