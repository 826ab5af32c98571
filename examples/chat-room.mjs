// Joins a room with the official messaging client, sends a message and leaves once it comes back.
// With `npm start` running: node examples/chat-room.mjs
import { CreateChatTokenCommand, CreateRoomCommand, IvschatClient } from '@aws-sdk/client-ivschat';
import { ChatRoom, SendMessageRequest } from 'amazon-ivs-chat-messaging';
import WebSocket from 'ws';

globalThis.WebSocket ??= WebSocket; // Node 20 has no global WebSocket (Node 22 has)

const ivschat = new IvschatClient({
  endpoint: process.env.IVSCHAT_ENDPOINT ?? 'http://127.0.0.1:8787',
  region: process.env.AWS_REGION ?? 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
const { arn: roomArn } = await ivschat.send(new CreateRoomCommand({ name: 'lobby' }));

const room = new ChatRoom({
  regionOrUrl: process.env.IVSCHAT_WS_URL ?? 'ws://127.0.0.1:8788',
  // Called for every connection; the official client reconnects with a fresh token by itself.
  tokenProvider: async () => {
    const t = await ivschat.send(new CreateChatTokenCommand({ roomIdentifier: roomArn, userId: 'ann', capabilities: ['SEND_MESSAGE'] }));
    return { token: t.token, sessionExpirationTime: t.sessionExpirationTime, tokenExpirationTime: t.tokenExpirationTime };
  },
});
room.logLevel = 'error'; // the default, 'debug', logs every frame

room.addListener('connect', () => {
  // Sending before `connect` fails with "Room is not connected".
  room.sendMessage(new SendMessageRequest('hello')).catch((err) => {
    console.error(`refused (${err.errorCode}): ${err.errorMessage}`);
    room.disconnect();
  });
});
room.addListener('message', (message) => {
  console.log(`${message.sender.userId}: ${message.content}`);
  room.disconnect();
});
room.addListener('disconnect', (reason) => console.log(`disconnected (${reason})`));
room.connect();
