import type { AddressInfo, Server } from 'node:net';

/** Starts listening; resolves with the port (the one picked when `port` is 0) and `host:port` for URLs. */
export async function listen(server: Server, port: number, host: string): Promise<{ port: number; authority: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return { port: bound, authority: `${host.includes(':') ? `[${host}]` : host}:${bound}` };
}
