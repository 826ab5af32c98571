import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AccountLimits, DeliveryLedger, PostOutcome, THROTTLED_LATENCY_MS, createAccount, messageSeqOf, viewerIndexOf } from './account';

/** PostToConnection's data limit, as API Gateway's (128 KB). */
const MAX_POST_BYTES = 128 * 1024;

export interface RunningEmulator {
  /** The @connections endpoint, as CDK hands it to the functions (`https://…/prod` on AWS). */
  endpoint: string;
  close(): Promise<void>;
}

/**
 * A local @connections API that answers PostToConnection as API Gateway does, on the wall clock:
 * POST /[stage/]@connections/{id}; past the account's token bucket a 429 LimitExceededException
 * (x-amzn-ErrorType, which the SDK maps to its LimitExceededException class: the SDK's model gives
 * the error no members), at once, as API Gateway's throttle answers before any integration; an id
 * not in the room a 410 GoneException; otherwise a 200 after the post's latency. Signatures are not
 * checked (the real SDK signs every request anyway). Every post lands in `ledger`.
 */
export async function startConnectionsEmulator(options: {
  limits: AccountLimits;
  viewers: number;
  ledger: DeliveryLedger;
  /** The clock (ms) the ledger's times are on: the harness's, so that send and delivery times compare. */
  now: () => number;
}): Promise<RunningEmulator> {
  const { now } = options;
  const account = createAccount(options.limits, now);
  const answer = (res: ServerResponse, status: number, errorType?: string, message?: string) => {
    res.writeHead(status, {
      'content-type': 'application/json',
      'x-amzn-RequestId': randomUUID(),
      ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}),
    });
    res.end(message === undefined ? undefined : JSON.stringify({ message }));
  };
  const serve = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const match = /^(?:\/[^/]+)?\/@connections\/([^/?]+)$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) return answer(res, 404, 'NotFoundException', 'Not Found');
    if (!account.admit()) {
      const seq = messageSeqOf(body.toString('utf8', 0, 64));
      options.ledger.record(seq, viewerIndexOf(decodeURIComponent(match[1] as string)), 'throttled', now());
      return void setTimeout(() => answer(res, 429, 'LimitExceededException', 'Limit Exceeded'), THROTTLED_LATENCY_MS);
    }
    const viewer = viewerIndexOf(decodeURIComponent(match[1] as string));
    const outcome: PostOutcome = viewer >= 0 && viewer < options.viewers ? 'delivered' : 'gone';
    setTimeout(() => {
      options.ledger.record(messageSeqOf(body.toString('utf8', 0, 64)), viewer, outcome, now());
      if (outcome === 'gone') answer(res, 410, 'GoneException', `Connection ${match[1]} is gone`);
      else answer(res, 200);
    }, options.limits.postLatencyMs);
  };
  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_POST_BYTES) chunks.push(chunk);
    });
    req.on('end', () =>
      size > MAX_POST_BYTES ? answer(res, 413, 'PayloadTooLargeException', 'Payload too large') : serve(req, res, Buffer.concat(chunks)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}/prod`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
