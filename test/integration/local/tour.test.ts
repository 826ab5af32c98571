import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { principalsFile } from '../../fixtures/principals';
import { useLocalStack } from '../../helpers/local-stack';

const run = promisify(execFile);
const { stack } = useLocalStack(() => ({
  IVSCHAT_PRINCIPALS_FILE: principalsFile([
    { accessKeyId: 'test', secretAccessKey: 'test', allow: ['ivschat:*'] },
    { accessKeyId: 'reader', secretAccessKey: 'reader-secret', allow: ['ivschat:Get*', 'ivschat:List*'] },
  ]),
}));

test('the SDK-only example script runs every room and tag operation and gets the AWS exception classes', async () => {
  const { stdout } = await run(process.execPath, [resolve(__dirname, '../../../examples/control-plane-tour.mjs'), stack.apiUrl], {
    env: {
      ...process.env,
      RESTRICTED_KEY: 'reader',
      RESTRICTED_SECRET: 'reader-secret',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  expect(stdout).toMatch(/^CreateRoom\s+arn:aws:ivschat:us-east-1:000000000000:room\/[A-Za-z0-9]{12}$/m);
  expect(stdout).toMatch(/^UpdateRoom\s+maximumMessageLength=200$/m);
  expect(stdout).toMatch(/^ListRooms\s+1 room\(s\) named tour$/m);
  expect(stdout).toMatch(/^Tag\/Untag\/ListTags\s+\{"step":"create","team":"web"\}$/m);
  expect(stdout).toMatch(/^bad input\s+ValidationException \(400\) FIELD_VALIDATION_FAILED$/m);
  expect(stdout).toMatch(/^unknown room\s+ResourceNotFoundException \(404\)$/m);
  expect(stdout).toMatch(/^restricted principal\s+AccessDeniedException \(403\)$/m);
  expect(stdout).toMatch(/all operations behaved as AWS IVS Chat does/);
});
