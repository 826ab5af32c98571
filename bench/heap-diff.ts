import WebSocket from 'ws';
import { bareTarget, ivschatClient, serviceRoom } from './clients';
import { tokenMinter } from './mint';
import { startBareWs, startStack, settle } from './processes';
import { ReceiverPool } from './receivers';
import { PROBE_ENV } from '../test/helpers/process-probe';

/**
 * What each held connection costs the server's heap, by kind of object: opens N connections, takes
 * a heap snapshot, opens N more, takes another, and prints the objects whose count or size grew,
 * per connection. For the service (default) or the bare ws server (--bare).
 *
 *   npx tsx bench/heap-diff.ts [N] [--bare] [--strings]   (--strings: strings by shape too)
 */
async function snapshot(url: string, strings: boolean): Promise<Map<string, { count: number; size: number }>> {
  const socket = new WebSocket(url, { maxPayload: 2 ** 31 });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const chunks: string[] = [];
  let id = 0;
  const call = (method: string) =>
    new Promise<void>((resolve) => {
      const mine = ++id;
      const onMessage = (data: Buffer) => {
        const m = JSON.parse(data.toString()) as { id?: number; method?: string; params?: { chunk: string } };
        if (m.method === 'HeapProfiler.addHeapSnapshotChunk') chunks.push(m.params?.chunk ?? '');
        if (m.id === mine) {
          socket.off('message', onMessage);
          resolve();
        }
      };
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ id: mine, method }));
    });
  await call('HeapProfiler.collectGarbage');
  await call('HeapProfiler.takeHeapSnapshot');
  socket.close();
  const snap = JSON.parse(chunks.join('')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [T, N, S] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const byKind = new Map<string, { count: number; size: number }>();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + T] as number] as string;
    const named = type === 'object' || type === 'closure' || type === 'native' || (strings && type === 'string');
    const raw = named ? (snap.strings[snap.nodes[i + N] as number] ?? '') : '';
    // Strings grouped by their shape: digits and id-like runs blanked, so one kind per use.
    const name = type === 'string' ? raw.slice(0, 40).replace(/[A-Za-z0-9_-]{8,}/g, '…').replace(/\d+/g, '0') : raw;
    const kind = `${type}${name ? ` ${name.slice(0, 60)}` : ''}`;
    const entry = byKind.get(kind) ?? { count: 0, size: 0 };
    entry.count += 1;
    entry.size += snap.nodes[i + S] as number;
    byKind.set(kind, entry);
  }
  return byKind;
}

async function main() {
  const n = Number(process.argv[2] ?? 2000);
  const bare = process.argv.includes('--bare');
  const strings = process.argv.includes('--strings');
  const server = bare ? await startBareWs(PROBE_ENV) : await startStack([], undefined, PROBE_ENV);
  const child = server.child;
  const inspector = async () => {
    for (;;) {
      const url = /Debugger listening on (ws:\/\/\S+)/.exec(child.output())?.[1];
      if (url) return url;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const url = await inspector();
  const sdk = 'apiUrl' in server ? ivschatClient(server.apiUrl) : undefined;
  const minter = 'apiUrl' in server ? tokenMinter(server.apiUrl) : undefined;
  const target =
    'apiUrl' in server && sdk && minter
      ? await serviceRoom({ sdk, minter }, server.wsUrl, 'heap-diff')
      : bareTarget((server as { url: string }).url);
  const pool = await ReceiverPool.start(2);
  try {
    await pool.open(target, n);
    await settle(child.pid);
    const a = await snapshot(url, strings);
    await pool.open(target, n);
    await settle(child.pid);
    const b = await snapshot(url, strings);
    const rows = [...b]
      .map(([kind, after]) => {
        const before = a.get(kind) ?? { count: 0, size: 0 };
        return { kind, count: (after.count - before.count) / n, bytes: (after.size - before.size) / n };
      })
      .filter((r) => Math.abs(r.bytes) >= 4)
      .sort((x, y) => y.bytes - x.bytes);
    const total = rows.reduce((s, r) => s + r.bytes, 0);
    console.log(
      `${bare ? 'bare ws' : 'ivschat'}: ${n} more connections, heap objects per connection (self sizes): ${total.toFixed(0)} bytes`,
    );
    for (const r of rows.slice(0, 60)) console.log(`${r.bytes.toFixed(0).padStart(7)} B ${r.count.toFixed(2).padStart(7)}  ${r.kind}`);
  } finally {
    await pool.close();
    sdk?.destroy();
    minter?.destroy();
    await child.stop();
  }
}

void main();
