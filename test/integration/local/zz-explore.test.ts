import * as S from '@aws-sdk/client-ivschat';
import { LocalProcess, ivschat, startLocal } from '../../helpers/local-stack';

let stack: LocalProcess;
beforeAll(async () => { stack = await startLocal(); });
afterAll(async () => { await stack.stop(); });

test('explore', async () => {
  const c = ivschat(stack.apiUrl);
  for (let round = 0; round < 5; round++) {
    const r = await c.send(new S.CreateRoomCommand({}));
    const res = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => c.send(new S.TagResourceCommand({ resourceArn: r.arn, tags: { [`k${i}`]: `${i}` } }))));
    const failed = res.filter((x) => x.status === 'rejected').map((x) => (x as PromiseRejectedResult).reason.name);
    const tags = await c.send(new S.ListTagsForResourceCommand({ resourceArn: r.arn }));
    console.log(round, failed, Object.keys(tags.tags ?? {}).length);
  }
});
