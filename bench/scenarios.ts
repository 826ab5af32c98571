import { AttributeValue, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateRoomCommand, GetRoomCommand, IvschatClient } from '@aws-sdk/client-ivschat';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:http';
import type WebSocket from 'ws';
import { roomKey } from '../lambdas/data/keys';
import { ChatTarget, ServiceClients, bareTarget, closeAll, serviceRoom } from './clients';
import { FanoutResult, fanoutRun } from './fanout';
import { PROBE_ENV, ProcessProbe, attachProbe } from '../test/helpers/process-probe';
import { Stack, cpuMeter, settle, sleep, startBareWs } from './processes';
import { ReceiverPool } from './receivers';
import { Latency, closedLoop, latency, round } from './stats';

export type Log = (line: string) => void;

/** The control plane's closed-loop calls: 32 in flight, as the issue asks. */
const IN_FLIGHT = 32;
const WARM_UP_SECONDS = 1;

export interface LoopResult {
  calls: number;
  errors: number;
  perSecond: number;
  latency: Latency;
  firstError?: string;
  /** CPU time of the local stack's process per call, in microseconds (dynalite runs in it too). */
  serverMicrosPerCall: number;
  /** Average cores used by processes other than the bench and the stack during the run. */
  otherCores: number;
}

export interface ControlPlaneResult {
  getRoom: LoopResult;
  getItem: LoopResult;
  createRoom: LoopResult;
  putItem: LoopResult;
}

/**
 * GetRoom and CreateRoom through the SDK (SigV4 gateway, handler, dynalite) against plain GetItem /
 * PutItem of the same items on the same dynalite, each for `seconds` with 32 calls in flight.
 */
export async function controlPlane(stack: Stack, sdk: IvschatClient, seconds: number, log: Log): Promise<ControlPlaneResult> {
  const ddb = new DynamoDBClient({
    endpoint: stack.dynamodbEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 128 }) }),
  });
  try {
    const room = await sdk.send(new CreateRoomCommand({ name: 'bench-get-room' }));
    const key = roomKey(room.id as string);
    const Key = { PK: { S: key.PK }, SK: { S: key.SK } };
    const { Item } = await ddb.send(new GetItemCommand({ TableName: 'ivschat', Key, ConsistentRead: true }));
    const roomItem = Item as Record<string, AttributeValue>;
    const measure = async (label: string, call: (i: number) => Promise<unknown>) => {
      // A second unmeasured first, so both sides are measured warm (JIT, connection pools).
      await closedLoop(WARM_UP_SECONDS, IN_FLIGHT, call);
      await settle(stack.child.pid);
      log(`${label}: ${seconds} s, ${IN_FLIGHT} in flight`);
      const meter = cpuMeter(stack.child.pid);
      const loop = await closedLoop(seconds, IN_FLIGHT, call);
      const cpu = meter();
      const result: LoopResult = {
        ...loop,
        serverMicrosPerCall: round((cpu.server / Math.max(1, loop.calls)) * 1e6, 1),
        otherCores: round(cpu.other / cpu.seconds, 2),
      };
      log(
        `${label}: ${result.perSecond} calls/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ${result.errors} errors, ` +
          `server ${result.serverMicrosPerCall} µs CPU per call, other load ${result.otherCores} cores`,
      );
      return result;
    };
    const getItem = await measure('GetItem (baseline)', () =>
      ddb.send(new GetItemCommand({ TableName: 'ivschat', Key, ConsistentRead: true })),
    );
    const getRoom = await measure('GetRoom', () => sdk.send(new GetRoomCommand({ identifier: room.arn })));
    const putItem = await measure('PutItem (baseline)', (i) =>
      ddb.send(new PutItemCommand({ TableName: 'ivschat', Item: { ...roomItem, PK: { S: `BENCH#${i}` } } })),
    );
    const createRoom = await measure('CreateRoom', (i) => sdk.send(new CreateRoomCommand({ name: `bench-create-${i}` })));
    return { getRoom, getItem, createRoom, putItem };
  } finally {
    ddb.destroy();
  }
}

export interface IdleResult {
  seconds: number;
  /** The stack's CPU with nothing connected (its sweepers run every second), in cores. */
  serverCores: number;
  /** The bare ws server's, doing nothing, over as long. */
  baselineCores: number;
}

/** The stack's CPU use when nobody uses it, next to the bare ws server's: a server that idles should cost nothing. */
export async function idle(stack: Stack, seconds: number, log: Log): Promise<IdleResult> {
  const measure = async (pid: number) => {
    await settle(pid);
    const meter = cpuMeter(pid);
    await sleep(seconds * 1000);
    const cpu = meter();
    return round(cpu.server / cpu.seconds, 4);
  };
  const bare = await startBareWs();
  let baselineCores: number;
  try {
    baselineCores = await measure(bare.child.pid);
  } finally {
    await bare.child.stop();
  }
  const serverCores = await measure(stack.child.pid);
  log(`idle for ${seconds} s: server ${round(serverCores * 100, 2)} % of a core, bare ws ${round(baselineCores * 100, 2)} %`);
  return { seconds, serverCores, baselineCores };
}

/** One room size measured on both sides, at each rate. */
export interface RoomSizeResult {
  receivers: number;
  service: FanoutResult[];
  baseline: FanoutResult[];
}

/**
 * A room of `receivers` plain-ws receivers and one sender, on the bare-ws baseline first and then
 * on the service, sending at each of `rates` for `seconds`.
 */
export async function fanout(
  stack: Stack,
  clients: ServiceClients,
  receivers: number,
  rates: readonly number[],
  seconds: number,
  processes: number,
  log: Log,
): Promise<RoomSizeResult> {
  const bare = await startBareWs();
  let baseline: FanoutResult[];
  try {
    baseline = await measureRoom(bareTarget(bare.url), bare.child.pid, receivers, rates, seconds, processes, log);
  } finally {
    await bare.child.stop();
  }
  await settle(stack.child.pid);
  const room = await serviceRoom(clients, stack.wsUrl, `bench-fanout-${receivers}`);
  const service = await measureRoom(room, stack.child.pid, receivers, rates, seconds, processes, log);
  await settle(stack.child.pid);
  return { receivers, service, baseline };
}

async function measureRoom(
  target: ChatTarget,
  serverPid: number,
  n: number,
  rates: readonly number[],
  seconds: number,
  processes: number,
  log: Log,
): Promise<FanoutResult[]> {
  const scope = `${target.name}, ${n} receivers`;
  log(`${scope}: opening connections (${Math.min(processes, n)} receiver processes)`);
  const receivers = await ReceiverPool.start(Math.min(processes, n));
  const results: FanoutResult[] = [];
  let sender: WebSocket | undefined;
  try {
    const { seconds: openSeconds } = await receivers.open(target, n, (k) => log(`${scope}: ${k}/${n} open`));
    sender = await target.openSender();
    log(`${scope}: ${n} open in ${round(openSeconds, 1)} s`);
    for (const rate of rates) {
      await settle(serverPid);
      log(`${scope}: ${rate} msg/s for ${seconds} s`);
      const result = await fanoutRun({
        sender,
        receivers,
        ratePerSecond: rate,
        seconds,
        tag: `${rate}x${n}`,
        serverPid,
        progress: (line) => log(`${scope} @ ${rate} msg/s: ${line}`),
      });
      log(
        `${scope} @ ${rate} msg/s: ${result.deliveredPerSecond} delivered/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, ` +
          `lost ${result.lost}, refused ${result.refused}, cores: server ${result.serverCores}, clients ${result.clientCores}, other ${result.otherCores}; server ${result.serverMicrosPerDelivery} µs CPU per delivery`,
      );
      results.push(result);
    }
  } finally {
    if (sender) await closeAll([sender]);
    await receivers.close();
  }
  return results;
}

export interface ConnectionsSide {
  opened: number;
  seconds: number;
  perSecond: number;
  /** Mint (service only) + handshake, per connection. */
  openMs: Latency;
  serverRssBeforeMiB: number;
  serverRssAfterMiB: number;
  /** RSS growth per connection, read after forced GCs before and after. */
  rssPerConnectionKiB: number;
  /** The V8 heap in use after forced GCs, growth per connection (the rest of RSS is sockets' native state, buffers, allocator slack). */
  heapPerConnectionKiB: number;
  /** Server CPU time per connection opened (for the service: CreateChatToken and $connect), ms. */
  serverMillisPerConnection: number;
  /** The clients' CPU per connection opened (the bench's process minting tokens, the receiver processes' handshakes), ms. */
  clientMillisPerConnection: number;
  /** The server's CPU while it holds them all and nobody sends (heartbeats only), in cores. */
  heldIdleCores: number;
  /** One message sent after all are open: how many got it, and when the last one did. */
  reached: number;
  reachAllMs: number;
}

export interface ConnectionsResult {
  count: number;
  service: ConnectionsSide;
  baseline: ConnectionsSide;
}

/**
 * Opens `count` connections to one room (each with its own minted token on the service), from this
 * process while the server runs in its own, then checks that one message reaches every one of them.
 */
export async function connections(
  stack: Stack,
  probe: ProcessProbe,
  clients: ServiceClients,
  count: number,
  processes: number,
  log: Log,
): Promise<ConnectionsResult> {
  const bare = await startBareWs(PROBE_ENV);
  let baseline: ConnectionsSide;
  const bareProbe = await attachProbe(bare.child.pid, bare.child.output);
  try {
    baseline = await holdConnections(bareTarget(bare.url), bare.child.pid, bareProbe, count, processes, log);
  } finally {
    bareProbe.close();
    await bare.child.stop();
  }
  await settle(stack.child.pid);
  const room = await serviceRoom(clients, stack.wsUrl, 'bench-connections');
  const service = await holdConnections(room, stack.child.pid, probe, count, processes, log);
  return { count, service, baseline };
}

async function holdConnections(
  target: ChatTarget,
  serverPid: number,
  probe: ProcessProbe,
  count: number,
  processes: number,
  log: Log,
): Promise<ConnectionsSide> {
  const scope = `${target.name}, ${count} connections`;
  const receivers = await ReceiverPool.start(Math.min(processes, count));
  let sender: WebSocket | undefined;
  try {
    await settle(serverPid);
    // Memory is read after forced GCs: what the connections hold, not the garbage of opening them
    // (the service's minting leaves much more of it than bare handshakes).
    const heapBefore = await probe.heapUsedAfterGc();
    const before = probe.rssBytes();
    log(`${scope}: opening (server RSS ${mib(before)} MiB)`);
    const meter = cpuMeter(serverPid, receivers.pids);
    const opened = await receivers.open(target, count, (k) => log(`${scope}: ${k}/${count} open`));
    const { server: cpuUsed, client: clientUsed } = meter();
    sender = await target.openSender();
    await settle(serverPid, 10_000);
    const heapAfter = await probe.heapUsedAfterGc();
    const after = probe.rssBytes();
    const held = cpuMeter(serverPid);
    await sleep(HELD_IDLE_SECONDS * 1000);
    const heldCpu = held();
    log(
      `${scope}: open in ${round(opened.seconds, 1)} s (server ${round((cpuUsed / count) * 1000, 2)} ms, clients ${round((clientUsed / count) * 1000, 2)} ms CPU each), server RSS ${mib(after)} MiB; one message to all`,
    );
    const reach = await fanoutRun({
      sender,
      receivers,
      ratePerSecond: 1,
      seconds: 1,
      tag: 'all',
      serverPid,
      drainMs: 30_000,
    });
    log(`${scope}: the message reached ${reach.delivered}/${count}, the last after ${reach.latencyMs.max} ms`);
    return {
      opened: count,
      seconds: round(opened.seconds, 2),
      perSecond: round(count / opened.seconds, 0),
      openMs: latency(opened.openMs),
      serverRssBeforeMiB: mib(before),
      serverRssAfterMiB: mib(after),
      rssPerConnectionKiB: round((after - before) / count / 1024, 1),
      heapPerConnectionKiB: round((heapAfter - heapBefore) / count / 1024, 1),
      serverMillisPerConnection: round((cpuUsed / count) * 1000, 3),
      clientMillisPerConnection: round((clientUsed / count) * 1000, 3),
      heldIdleCores: round(heldCpu.server / heldCpu.seconds, 4),
      reached: reach.delivered,
      reachAllMs: reach.latencyMs.max,
    };
  } finally {
    if (sender) await closeAll([sender]);
    await receivers.close();
  }
}

const mib = (bytes: number) => round(bytes / 2 ** 20, 1);
/** How long the server's CPU is watched while it holds every connection and nothing is sent. */
const HELD_IDLE_SECONDS = 10;
