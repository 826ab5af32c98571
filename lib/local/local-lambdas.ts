import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { ReviewHandlerInvoker } from '../../lambdas/core/ports';
import { LOCAL_ENV, LocalConfigError } from './settings';

type LambdaHandler = (event: unknown, context: LocalLambdaContext) => unknown;

/** The parts of Lambda's context object a review handler may reasonably read. */
interface LocalLambdaContext {
  functionName: string;
  invokedFunctionArn: string;
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

/** Lambda's answer to an Invoke of a function that does not exist; the room's fallbackResult then applies. */
class FunctionNotFound extends Error {
  override readonly name = 'ResourceNotFoundException';
}

/**
 * Local mode's stand-in for Lambda: the modules named in IVSCHAT_LAMBDAS_FILE, each exporting
 * `handler(event, context)` (sync or async), loaded once at start so that a broken module stops
 * `npm start` with one line instead of failing every message. A call runs in-process; the answer
 * goes through JSON as a Lambda response does, so what a handler gets and returns is what it would
 * on AWS. The messaging core's 200 ms limit applies as on AWS, but a handler that blocks the event
 * loop (a busy loop) cannot be interrupted in-process.
 */
export async function loadLocalLambdas(lambdas: ReadonlyMap<string, string>, timeoutMs: number): Promise<ReviewHandlerInvoker> {
  const handlers = new Map<string, LambdaHandler>();
  for (const [arn, path] of lambdas) {
    let loaded: { handler?: unknown; default?: { handler?: unknown } };
    try {
      loaded = (await import(pathToFileURL(path).href)) as typeof loaded;
    } catch (err) {
      throw new LocalConfigError(`${LOCAL_ENV.lambdasFile}: cannot load ${path} for ${arn}: ${(err as Error).message.split('\n')[0]}`);
    }
    // A CommonJS module imported as ESM has its exports under `default`.
    const handler = loaded.handler ?? loaded.default?.handler;
    if (typeof handler !== 'function')
      throw new LocalConfigError(`${LOCAL_ENV.lambdasFile}: ${path} (for ${arn}) exports no handler function`);
    handlers.set(arn, handler as LambdaHandler);
  }
  return {
    invoke: async (functionArn, event) => {
      const handler = handlers.get(functionArn);
      if (!handler) throw new FunctionNotFound(`Function not found: ${functionArn} (not in ${LOCAL_ENV.lambdasFile})`);
      const deadline = Date.now() + timeoutMs;
      const context: LocalLambdaContext = {
        functionName: functionArn.split(':')[6] ?? '',
        invokedFunctionArn: functionArn,
        awsRequestId: randomUUID(),
        getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      };
      const answer = await handler(JSON.parse(JSON.stringify(event)), context);
      return answer === undefined ? null : (JSON.parse(JSON.stringify(answer)) as unknown);
    },
  };
}
