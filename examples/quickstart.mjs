// Creates a room and lists the rooms, with the AWS SDK for JavaScript v3.
// With `npm start` running: node examples/quickstart.mjs
import { CreateRoomCommand, IvschatClient, ListRoomsCommand } from '@aws-sdk/client-ivschat';

const ivschat = new IvschatClient({
  endpoint: process.env.IVSCHAT_ENDPOINT ?? 'http://127.0.0.1:8787',
  region: process.env.AWS_REGION ?? 'us-east-1',
  // Explicit, so that keys of a real AWS account in your environment are not used instead.
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});

const room = await ivschat.send(new CreateRoomCommand({ name: 'lobby', tags: { team: 'web' } }));
console.log(room.arn); // arn:aws:ivschat:us-east-1:000000000000:room/AbCdEfGh1234
const { rooms } = await ivschat.send(new ListRoomsCommand({}));
console.log(`${rooms.length} room(s)`);
