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
 *   npx tsx bench/heap-diff.ts [N] [--bare] [--strings] [--retainers REGEX]
 *   (--strings: strings by shape too; --retainers: what holds the objects whose kind matches, in the second snapshot)
 */
async function snapshot(url: string, strings: boolean, retainersOf?: RegExp): Promise<Map<string, { count: number; size: number }>> {
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
  const snap = JSON.parse(chunks.join('')) as Snapshot;
  if (retainersOf) printRetainers(snap, retainersOf);
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [T, N, S] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const byKind = new Map<string, { count: number; size: number }>();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + T] as number] as string;
    const named = type === 'object' || type === 'closure' || type === 'native' || (strings && type === 'string');
    const raw = named ? (snap.strings[snap.nodes[i + N] as number] ?? '') : '';
    // Strings grouped by their shape: digits and id-like runs blanked, so one kind per use.
    const name =
      type === 'string'
        ? raw
            .slice(0, 40)
            .replace(/[A-Za-z0-9_-]{8,}/g, '…')
            .replace(/\d+/g, '0')
        : raw;
    const kind = `${type}${name ? ` ${name.slice(0, 60)}` : ''}`;
    const entry = byKind.get(kind) ?? { count: 0, size: 0 };
    entry.count += 1;
    entry.size += snap.nodes[i + S] as number;
    byKind.set(kind, entry);
  }
  return byKind;
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** The kinds of object (and the edge names) that hold the objects of a kind matching `of`, two levels up. */
function printRetainers(snap: Snapshot, of: RegExp): void {
  const {
    node_fields: nf,
    node_types: [nodeTypes],
    edge_fields: ef,
    edge_types: [edgeTypes],
  } = snap.snapshot.meta;
  const [T, N, EC] = ['type', 'name', 'edge_count'].map((f) => nf.indexOf(f)) as [number, number, number];
  const [ET, EN, TO] = ['type', 'name_or_index', 'to_node'].map((f) => ef.indexOf(f)) as [number, number, number];
  const kind = (node: number) => {
    const type = nodeTypes[snap.nodes[node + T] as number] as string;
    return `${type} ${type === 'object' || type === 'closure' ? (snap.strings[snap.nodes[node + N] as number] ?? '').slice(0, 50) : ''}`.trim();
  };
  const holders = new Map<number, number[]>();
  let edge = 0;
  for (let node = 0; node < snap.nodes.length; node += nf.length) {
    for (let k = 0; k < (snap.nodes[node + EC] as number); k++, edge += ef.length) {
      const type = edgeTypes[snap.edges[edge + ET] as number];
      if (type === 'weak' || type === 'shortcut') continue;
      const to = snap.edges[edge + TO] as number;
      const name = type === 'element' || type === 'hidden' ? `[${type}]` : (snap.strings[snap.edges[edge + EN] as number] ?? '');
      const list = holders.get(to) ?? [];
      list.push(node, name as unknown as number);
      holders.set(to, list);
    }
  }
  const paths = new Map<string, number>();
  for (let node = 0; node < snap.nodes.length; node += nf.length) {
    if (!of.test(kind(node))) continue;
    let up = holders.get(node) ?? [];
    // For hidden classes: only those of one or two objects (a shape per object is a cost per object).
    if (kind(node) === 'object shape') {
      const users: number[] = [];
      for (let k = 0; k < up.length; k += 2) if (String(up[k + 1]) === 'map') users.push(up[k] as number, up[k + 1] as number);
      if (users.length > 4) continue;
      up = users;
    }
    for (let k = 0; k < up.length; k += 2) {
      const h = up[k] as number;
      const up2 = holders.get(h) ?? [];
      const second = up2.length ? `${kind(up2[0] as number)} .${String(up2[1])}` : '-';
      const key = `${second} > ${kind(h)} .${String(up[k + 1])}`;
      paths.set(key, (paths.get(key) ?? 0) + 1);
    }
  }
  for (const [path, count] of [...paths].sort((x, y) => y[1] - x[1]).slice(0, 25)) console.log(`${String(count).padStart(8)}  ${path}`);
}

async function main() {
  const n = Number(process.argv[2] ?? 2000);
  const bare = process.argv.includes('--bare');
  const strings = process.argv.includes('--strings');
  const at = process.argv.indexOf('--retainers');
  const retainers = at > 0 ? new RegExp(process.argv[at + 1] ?? '') : undefined;
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
    const b = await snapshot(url, strings, retainers);
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
