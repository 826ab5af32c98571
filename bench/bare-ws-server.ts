import { randomBytes } from 'node:crypto';
import { WebSocket, WebSocketServer } from 'ws';
import { messageFrame } from '../lambdas/domain/messaging';

/**
 * The physical baseline of the fan-out and connection scenarios: a bare `ws` server that turns each
 * SEND_MESSAGE into the same MESSAGE frame the service sends (same serialiser, same fields) and
 * broadcasts it to every client with the usual ws idiom. No tokens, no database, no rate limit.
 */
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (protocols) => [...protocols][0] ?? false });

wss.on('connection', (socket) => {
  socket.on('message', (data) => {
    const action = JSON.parse(data.toString()) as { RequestId?: string; Content: string; Attributes?: Record<string, string> };
    const frame = messageFrame({
      id: randomBytes(9).toString('base64url'),
      requestId: action.RequestId,
      content: action.Content,
      attributes: action.Attributes,
      sendTime: new Date().toISOString(),
      sender: { userId: 'sender', attributes: {} },
    });
    for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.send(frame);
  });
});

wss.on('listening', () => {
  const address = wss.address();
  if (address && typeof address === 'object') console.log(`bare-ws listening on ws://127.0.0.1:${address.port}`);
});

process.on('SIGTERM', () => process.exit(0));
