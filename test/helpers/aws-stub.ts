import { IncomingHttpHeaders, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request an AWS SDK client made to the stub. */
export interface StubRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface StubReply {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface AwsStub {
  /** For the SDK client's `endpoint`. */
  endpoint: string;
  requests: StubRequest[];
  close(): Promise<void>;
}

/**
 * A local HTTP server standing in for an AWS service endpoint, to test an adapter's SDK calls on the
 * wire (paths, headers, bodies) and its handling of the service's answers, with no AWS account.
 */
export async function startAwsStub(reply: (request: StubRequest) => StubReply | Promise<StubReply>): Promise<AwsStub> {
  const requests: StubRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: StubRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      requests.push(request);
      void Promise.resolve(reply(request)).then(
        (answer) => {
          res.writeHead(answer.status ?? 200, { 'x-amzn-RequestId': 'stub', ...answer.headers });
          res.end(answer.body ?? '');
        },
        () => res.destroy(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Credentials for SDK clients pointed at a stub (it checks no signature). */
export const STUB_CREDENTIALS = { accessKeyId: 'stub', secretAccessKey: 'stub' };
