import WebSocket from 'ws';
import { textFrame } from '../../../lib/local/ws-frames';

/** ws's own framing, to compare with (ws exports it, its types do not declare it). */
const { Sender } = WebSocket as unknown as { Sender: { frame(data: Buffer, options: Record<string, unknown>): Buffer[] } };
const wsFrame = (text: string) =>
  Buffer.concat(Sender.frame(Buffer.from(text), { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false }));

test.each([
  ['empty', ''],
  ['short', '{"Type":"MESSAGE"}'],
  ['125 bytes, the longest 7-bit length', 'x'.repeat(125)],
  ['126 bytes, the first 16-bit length', 'x'.repeat(126)],
  ['multi-byte UTF-8', 'héllo 👋 '.repeat(40)],
  ['65,536 bytes, the first 64-bit length', 'y'.repeat(65_536)],
])('textFrame encodes %s as ws does', (_name, text) => {
  expect(textFrame(text).equals(wsFrame(text))).toBe(true);
});
