// A jest test file with two chat services of its own, started in the test process.
// Jest runs ES modules with: NODE_OPTIONS=--experimental-vm-modules npx jest
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { CreateChatTokenCommand, CreateRoomCommand, IvschatClient, ListRoomsCommand } from '@aws-sdk/client-ivschat';
import { ChatRoom, SendMessageRequest } from 'amazon-ivs-chat-messaging';
import { startLocal } from 'ivschat-selfhosted/local';
import WebSocket from 'ws';

globalThis.WebSocket ??= WebSocket; // Node 20 has no global WebSocket (Node 22 has)

let chat, other;
beforeAll(async () => {
  // Free ports, data in memory, token keys of its own: as many services as the tests need.
  [chat, other] = await Promise.all([startLocal(), startLocal({ maxRooms: 10 })]);
});
afterAll(() => Promise.all([chat?.stop(), other?.stop()]));

const clientOf = (service) =>
  new IvschatClient({ endpoint: service.controlPlaneUrl, region: service.region, credentials: service.credentials });

test('each service has rooms of its own', async () => {
  const { arn } = await clientOf(chat).send(new CreateRoomCommand({ name: 'lobby' }));
  const { rooms } = await clientOf(other).send(new ListRoomsCommand({}));
  expect(rooms.map((room) => room.arn)).not.toContain(arn);
});

test('a message sent in a room comes back to its sender', async () => {
  const ivschat = clientOf(chat);
  const { arn: roomArn } = await ivschat.send(new CreateRoomCommand({ name: 'echo' }));
  const room = new ChatRoom({
    regionOrUrl: chat.messagingUrl,
    tokenProvider: async () => {
      const t = await ivschat.send(new CreateChatTokenCommand({ roomIdentifier: roomArn, userId: 'ann', capabilities: ['SEND_MESSAGE'] }));
      return { token: t.token, sessionExpirationTime: t.sessionExpirationTime, tokenExpirationTime: t.tokenExpirationTime };
    },
  });
  room.logLevel = 'error';
  const received = new Promise((resolve) => room.addListener('message', resolve));
  const left = new Promise((resolve) => room.addListener('disconnect', resolve));
  room.addListener('connect', () => room.sendMessage(new SendMessageRequest('hello')));
  room.connect();
  const message = await received;
  room.disconnect();
  await left;
  expect([message.sender.userId, message.content]).toEqual(['ann', 'hello']);
});
