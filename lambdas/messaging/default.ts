import { FrameDeps, handleFrame } from '../core/frames';
import { lambdaEntry } from '../wiring/deps';
import { wsHandler } from './ws';

/** $default: every client frame (SEND_MESSAGE, DELETE_MESSAGE, DISCONNECT_USER, or garbage). */
export const makeHandler = (deps: FrameDeps) =>
  wsHandler(
    '$default',
    async (event) => {
      const body = event.isBase64Encoded ? '' : (event.body ?? '');
      await handleFrame(deps, event.requestContext.connectionId, body);
      return { statusCode: 200, body: '' };
    },
    'debug',
  );

export const handler = lambdaEntry(makeHandler);
