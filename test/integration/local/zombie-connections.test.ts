import { createDocumentClient } from '../../../lambdas/adapters/dynamodb';
import { createChatToken } from '../../../lambdas/core/chat-tokens';
import type { Deps } from '../../../lambdas/core/deps';
import { createRoom } from '../../../lambdas/core/rooms';
import type { Connection } from '../../../lambdas/data/connections';
import { readConfig } from '../../../lambdas/shared/config';
import { buildDeps } from '../../../lambdas/wiring/deps';
import { makeHandler as connectHandler } from '../../../lambdas/messaging/connect';
import { makeHandler as defaultHandler } from '../../../lambdas/messaging/default';
import { makeHandler as disconnectHandler } from '../../../lambdas/messaging/disconnect';
import { makeHandler as deleteRoomHandler } from '../../../lambdas/control-plane/delete-room';
import { makeHandler as disconnectUserHandler } from '../../../lambdas/control-plane/disconnect-user';
import { hostPolicy } from '../../../lib/local/http-edge';
import { loadOrCreateTokenKeys } from '../../../lib/local/token-keys';
import { RunningWsGateway, WsProxyHandler, startWsGateway } from '../../../lib/local/ws-gateway';
import { lambdaContext, restEvent } from '../../fixtures/events';
import { allowingReviewHandlers, memoryChatLogWriter } from '../../fixtures/fakes';
import { closeAllClients, rawClient, refusedStatus, waitFor } from '../../helpers/chat';
import { useDynalite } from '../../helpers/dynalite';

/**
 * DisconnectUser and DeleteRoom racing a connection that is still inside $connect, against the
 * real WebSocket gateway of local mode (which, as API Gateway, answers Gone for a connection whose
 * handshake has not completed) and the real handlers over dynalite. A gate held inside $connect
 * puts the operation exactly where the race lands: before the record is written, after it, or
 * after $connect has answered but before the socket opens.
 */

const TABLE_NAME = 'zombie-test';
const db = useDynalite(TABLE_NAME);
const tokenKeys = loadOrCreateTokenKeys(undefined);

type Moment = 'beforePut' | 'afterPut' | 'afterConnect';

let deps: Deps;
let ws: RunningWsGateway;
/** The gate $connect waits at, once: the test opens it after its operation has run. */
let held: { at: Moment; reached: () => void; release: Promise<void> } | undefined;

const pause = async (at: Moment) => {
  const gate = held;
  if (gate?.at !== at) return;
  held = undefined;
  gate.reached();
  await gate.release;
};

/** Holds the next $connect at `at`; resolves `reached` once it is there, and lets it go on `release()`. */
function hold(at: Moment) {
  let release!: () => void;
  let reached!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const arrived = new Promise<void>((r) => (reached = r));
  held = { at, reached, release: released };
  return { arrived, release };
}

beforeAll(async () => {
  const config = readConfig({
    AWS_REGION: 'us-east-1',
    IVSCHAT_TABLE_NAME: TABLE_NAME,
    DYNAMODB_ENDPOINT: db.endpoint,
    IVSCHAT_TOKEN_KEYS: tokenKeys,
  });
  const gateway = {
    post: (id: string, frame: string) => ws.connections.post(id, frame),
    disconnect: (id: string) => ws.connections.disconnect(id),
  };
  deps = buildDeps(config, {
    doc: createDocumentClient(config, { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    gateway,
    reviewHandlers: allowingReviewHandlers().reviewHandlers,
    chatLogWriter: memoryChatLogWriter().writer,
  });
  const held$connectDeps: Deps = {
    ...deps,
    connections: {
      ...deps.connections,
      put: async (connection: Connection) => {
        await pause('beforePut');
        await deps.connections.put(connection);
        await pause('afterPut');
      },
    },
  };
  const connect = connectHandler(held$connectDeps) as unknown as WsProxyHandler;
  ws = await startWsGateway({
    host: '127.0.0.1',
    port: 0,
    region: 'us-east-1',
    principals: [],
    hosts: hostPolicy('127.0.0.1', []),
    maxConnections: 100,
    routes: {
      // After $connect has answered, API Gateway still has the handshake to complete.
      connect: async (event, context) => {
        const answer = await connect(event, context);
        await pause('afterConnect');
        return answer;
      },
      disconnect: disconnectHandler(deps) as unknown as WsProxyHandler,
      default: defaultHandler(deps) as unknown as WsProxyHandler,
    },
  });
});

afterAll(async () => {
  await closeAllClients();
  await ws?.close();
});

const newRoom = () => createRoom(deps, {});
const tokenFor = async (roomArn: string, userId = 'racer') =>
  (await createChatToken(deps, { roomIdentifier: roomArn, userId, capabilities: ['SEND_MESSAGE'] })).token;
const disconnectUser = (roomArn: string, userId = 'racer') =>
  disconnectUserHandler(deps)(restEvent({ body: JSON.stringify({ roomIdentifier: roomArn, userId }) }), lambdaContext);
const deleteRoom = (roomArn: string) =>
  deleteRoomHandler(deps)(restEvent({ body: JSON.stringify({ identifier: roomArn }) }), lambdaContext);
const recordsOf = (roomId: string, userId = 'racer') => deps.connections.idsOfUser(roomId, userId);

test.each<Moment>(['beforePut', 'afterPut'])(
  'a DisconnectUser landing inside $connect (%s): the handshake is refused and no record is left',
  async (at) => {
    const room = await newRoom();
    const gate = hold(at);
    const refused = refusedStatus(ws.url, await tokenFor(room.arn));
    await gate.arrived;
    expect((await disconnectUser(room.arn)).statusCode).toBe(200);
    gate.release();
    expect(await refused).toBe(403);
    expect(await recordsOf(room.id)).toEqual([]);
  },
);

test('a DeleteRoom landing after the record is written: the handshake is refused (404) and no record is left', async () => {
  const room = await newRoom();
  const gate = hold('afterPut');
  const refused = refusedStatus(ws.url, await tokenFor(room.arn));
  await gate.arrived;
  expect((await deleteRoom(room.arn)).statusCode).toBe(204);
  gate.release();
  expect(await refused).toBe(404);
  expect(await recordsOf(room.id)).toEqual([]);
});

test.each([
  ['DisconnectUser', (arn: string) => disconnectUser(arn)],
  ['DeleteRoom', (arn: string) => deleteRoom(arn)],
])('a %s landing after $connect answered but before the socket opened: the zombie is closed at its first frame', async (_name, land) => {
  const room = await newRoom();
  const gate = hold('afterConnect');
  const opening = rawClient(ws.url, await tokenFor(room.arn));
  await gate.arrived;
  // The gateway cannot close a socket still in its handshake (Gone), so the record goes and the socket opens without one.
  expect((await land(room.arn)).statusCode).toBeLessThan(300);
  gate.release();
  const zombie = await opening;
  expect(await recordsOf(room.id)).toEqual([]);
  zombie.send({ Action: 'SEND_MESSAGE', RequestId: 'r-1', Content: 'anyone?' });
  const error = await zombie.next((f) => f.Type === 'ERROR');
  expect(error).toMatchObject({ RequestId: 'r-1', ErrorCode: 403 });
  // A clean close: the official client takes it as a server disconnect and does not reconnect.
  expect((await zombie.closed).code).toBe(1000);
});

test('without a race, a connection opens and a DisconnectUser closes it as before', async () => {
  const room = await newRoom();
  const client = await rawClient(ws.url, await tokenFor(room.arn));
  await waitFor('its record', async () => (await recordsOf(room.id)).length === 1 || undefined);
  expect((await disconnectUser(room.arn)).statusCode).toBe(200);
  expect((await client.closed).code).toBe(1000);
  // And the user may come back with a new token once the DisconnectUser is over.
  await new Promise((r) => setTimeout(r, 1_100));
  const back = await rawClient(ws.url, await tokenFor(room.arn));
  await waitFor('its new record', async () => (await recordsOf(room.id)).length === 1 || undefined);
  back.socket.close();
});
