// Every room and tag operation through the official SDK, and the AWS exception classes it raises.
// Run against `npm start`:  node examples/control-plane-tour.mjs [endpoint]
// Environment: IVSCHAT_ENDPOINT (default http://127.0.0.1:8787), AWS_REGION (us-east-1),
// credentials test/test unless AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are set.
import {
  AccessDeniedException,
  CreateRoomCommand,
  DeleteRoomCommand,
  GetRoomCommand,
  IvschatClient,
  ListRoomsCommand,
  ListTagsForResourceCommand,
  ResourceNotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateRoomCommand,
  ValidationException,
} from '@aws-sdk/client-ivschat';

const endpoint = process.argv[2] ?? process.env.IVSCHAT_ENDPOINT ?? 'http://127.0.0.1:8787';
const region = process.env.AWS_REGION ?? 'us-east-1';
const client = (accessKeyId, secretAccessKey) =>
  new IvschatClient({ endpoint, region, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
const ivschat = client(process.env.AWS_ACCESS_KEY_ID ?? 'test', process.env.AWS_SECRET_ACCESS_KEY ?? 'test');

const step = (name, value) => console.log(`${name.padEnd(22)} ${value}`);
async function expectError(name, ErrorClass, promise) {
  try {
    await promise;
  } catch (err) {
    if (!(err instanceof ErrorClass)) throw new Error(`${name}: expected ${ErrorClass.name}, got ${err.name}`);
    step(name, `${err.name} (${err.$metadata.httpStatusCode})${err.reason ? ` ${err.reason}` : ''}`);
    return;
  }
  throw new Error(`${name}: expected ${ErrorClass.name}, the call succeeded`);
}

const room = await ivschat.send(new CreateRoomCommand({ name: 'tour', tags: { step: 'create' } }));
step('CreateRoom', room.arn);
step('GetRoom', (await ivschat.send(new GetRoomCommand({ identifier: room.arn }))).name);
const updated = await ivschat.send(new UpdateRoomCommand({ identifier: room.arn, maximumMessageLength: 200 }));
step('UpdateRoom', `maximumMessageLength=${updated.maximumMessageLength}`);
const listed = await ivschat.send(new ListRoomsCommand({ name: 'tour', maxResults: 5 }));
step('ListRooms', `${listed.rooms.length} room(s) named tour`);
await ivschat.send(new TagResourceCommand({ resourceArn: room.arn, tags: { team: 'web', stage: 'dev' } }));
await ivschat.send(new UntagResourceCommand({ resourceArn: room.arn, tagKeys: ['stage'] }));
const { tags } = await ivschat.send(new ListTagsForResourceCommand({ resourceArn: room.arn }));
step('Tag/Untag/ListTags', JSON.stringify(tags));

await expectError('bad input', ValidationException, ivschat.send(new CreateRoomCommand({ maximumMessageLength: 501 })));
await ivschat.send(new DeleteRoomCommand({ identifier: room.arn }));
step('DeleteRoom', 'deleted');
await expectError('unknown room', ResourceNotFoundException, ivschat.send(new GetRoomCommand({ identifier: room.arn })));
if (process.env.RESTRICTED_KEY && process.env.RESTRICTED_SECRET) {
  const restricted = client(process.env.RESTRICTED_KEY, process.env.RESTRICTED_SECRET);
  await expectError('restricted principal', AccessDeniedException, restricted.send(new CreateRoomCommand({})));
}
console.log('all operations behaved as AWS IVS Chat does');
