import { InvokeCommand, LambdaClient, LambdaClientConfig } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:https';
import type { ReviewHandlerInvoker } from '../core/ports';
import { REVIEW_TIMEOUT_MS } from '../domain/review';

/**
 * The AWS adapter: a synchronous (RequestResponse) Invoke. One attempt only, since a retry could not
 * fit in the 200 ms AWS allows a handler; a function error (FunctionError set, the payload then
 * holds its error) is a failure. The function's resource policy must let this deployment's role
 * invoke it, as AWS requires it to let ivschat.amazonaws.com.
 */
export function createLambdaInvoker(options: { region: string; clientConfig?: LambdaClientConfig }): ReviewHandlerInvoker {
  let client: LambdaClient | undefined;
  const lambda = () =>
    (client ??= new LambdaClient({
      region: options.region,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({
        httpsAgent: new Agent({ keepAlive: true, maxSockets: 64 }),
        connectionTimeout: REVIEW_TIMEOUT_MS,
        requestTimeout: REVIEW_TIMEOUT_MS,
      }),
      ...options.clientConfig,
    }));
  return {
    invoke: async (FunctionName, event, abortSignal) => {
      const out = await lambda().send(
        new InvokeCommand({ FunctionName, InvocationType: 'RequestResponse', Payload: new TextEncoder().encode(JSON.stringify(event)) }),
        { abortSignal },
      );
      // The error payload (message, stack) stays out of the logs: it may quote the message reviewed.
      if (out.FunctionError) throw new Error(`the function failed (${out.FunctionError})`);
      const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
      return text === '' ? null : (JSON.parse(text) as unknown);
    },
  };
}
