import type { Deps } from '../core/deps';
import { connect } from '../core/sessions';
import { lambdaEntry } from '../wiring/deps';
import { WsEvent, wsHandler } from './ws';

/**
 * The official client sends the chat token as the WebSocket subprotocol; API Gateway completes the
 * handshake only if $connect returns that subprotocol, so the token is echoed back.
 */
const tokenOf = (event: WsEvent): string | undefined => {
  const header = Object.entries(event.headers ?? {}).find(([name]) => name.toLowerCase() === 'sec-websocket-protocol')?.[1];
  return header?.split(',')[0]?.trim() || undefined;
};

export const makeHandler = (
  deps: Pick<Deps, 'scope' | 'idClock' | 'rooms' | 'connections' | 'disconnections' | 'usedTokens' | 'tokenKeys' | 'bans'>,
) =>
  wsHandler('$connect', async (event) => {
    const token = tokenOf(event);
    await connect(deps, { token, connectionId: event.requestContext.connectionId, sourceIp: event.requestContext.identity?.sourceIp });
    return { statusCode: 200, headers: { 'Sec-WebSocket-Protocol': token as string }, body: '' };
  });

export const handler = lambdaEntry(makeHandler);
