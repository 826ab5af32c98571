import { createHash, createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import { deriveSigningKey } from '../lib/local/sigv4';

/**
 * CreateChatToken as a plain signed POST: the same request the SDK sends (JSON body, SigV4 with the
 * bench's test credentials), signed with node:crypto and the day's signing key kept, over a
 * kept-alive pool. The SDK's client (its middleware, endpoint rules and signer) costs the bench's
 * process 1.5 to 2 ms of CPU per call, which on 2 cores is taken from the server whose connection
 * setup is being measured; this costs a tenth of it. The server does all of its usual work.
 */
export function tokenMinter(apiUrl: string, credentials = { accessKeyId: 'test', secretAccessKey: 'test' }, region = 'us-east-1') {
  const url = new URL(apiUrl);
  const host = url.host;
  const agent = new Agent({ keepAlive: true, maxSockets: 128 });
  const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');

  const sign = (body: string): Record<string, string> => {
    const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
    const date = amzDate.slice(0, 8);
    const key = deriveSigningKey(credentials.secretAccessKey, date, region, 'ivschat');
    const payloadHash = sha256(body);
    const signedHeaders = 'content-type;host;x-amz-content-sha256;x-amz-date';
    const canonical = [
      'POST',
      '/CreateChatToken',
      '',
      `content-type:application/json\nhost:${host}\nx-amz-content-sha256:${payloadHash}\nx-amz-date:${amzDate}\n`,
      signedHeaders,
      payloadHash,
    ].join('\n');
    const scope = `${date}/${region}/ivschat/aws4_request`;
    const signature = createHmac('sha256', key)
      .update(`AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256(canonical)}`)
      .digest('hex');
    return {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'x-amz-content-sha256': payloadHash,
      'x-amz-date': amzDate,
      authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    };
  };

  const post = (body: string) =>
    new Promise<string>((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, method: 'POST', path: '/CreateChatToken', headers: sign(body), agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) return reject(new Error(`CreateChatToken: HTTP ${res.statusCode} ${text.slice(0, 200)}`));
            resolve((JSON.parse(text) as { token: string }).token);
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  return {
    /** A token for `userId` in `roomArn`, minted by the server's CreateChatToken. */
    mint: (roomArn: string, userId: string, capabilities: string[]): Promise<string> =>
      post(JSON.stringify({ roomIdentifier: roomArn, userId, capabilities })),
    destroy: () => agent.destroy(),
  };
}

export type TokenMinter = ReturnType<typeof tokenMinter>;
