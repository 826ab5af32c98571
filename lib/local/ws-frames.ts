/**
 * A text frame as a server sends it (RFC 6455, 5.2): FIN set, opcode 1, no mask, then the payload
 * length in 7, 7+16 or 7+64 bits, then the UTF-8 payload; one buffer, so one write per connection.
 */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81;
  if (header === 2) {
    frame[1] = length;
  } else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.write(text, header, 'utf8');
  return frame;
}

/**
 * A fan-out posts one frame to every connection of a room, one after the other: the last frame is
 * kept encoded, so a broadcast encodes it once rather than once per connection.
 */
export function lastFrameEncoder(): (text: string) => Buffer {
  let last: { text: string; encoded: Buffer } | undefined;
  return (text) => {
    if (last?.text !== text) last = { text, encoded: textFrame(text) };
    return last.encoded;
  };
}
