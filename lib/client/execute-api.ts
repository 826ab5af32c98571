import { IvschatClient, IvschatClientConfig } from '@aws-sdk/client-ivschat';

/**
 * An IvschatClient for a deployed stack. API Gateway checks SigV4 for the service name
 * `execute-api`, while the SDK signs for `ivschat`: this swaps the signing name through the
 * client's own auth-scheme hook and leaves everything else as the SDK does it.
 *
 *   const ivschat = executeApiIvschatClient({ endpoint: '<ControlPlaneUrl output>', region: 'eu-west-1' });
 */
export function executeApiIvschatClient(config: IvschatClientConfig & { endpoint: string }): IvschatClient {
  return new IvschatClient({
    ...config,
    httpAuthSchemeProvider: (params) => [
      {
        schemeId: 'aws.auth#sigv4',
        signingProperties: { name: 'execute-api', signingName: 'execute-api', region: params.region },
        // As the SDK's own SigV4 option does: hand the resolved config to the signer.
        propertiesExtractor: (resolvedConfig: unknown, context: unknown) => ({ signingProperties: { config: resolvedConfig, context } }),
      },
    ],
  });
}
