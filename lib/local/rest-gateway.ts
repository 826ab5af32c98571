import { randomUUID } from 'node:crypto';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { Server as NetServer, Socket } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { Operation, iamAction } from '../../lambdas/control-plane/operations';
import { AccessDeniedException } from '../../lambdas/shared/errors';
import { AwsError, awsErrorResult, toAwsError } from '../../lambdas/control-plane/http';
import { logger } from '../../lambdas/shared/logger';
import { isAllowed, principalArn } from './authorization';
import type { Principal } from './settings';
import { listen } from './listen';
import { HostPolicy, SERVER_OPTIONS, answerUnread, capConnections, declaresMoreThan, hostAllowed, readBody } from './http-edge';
import { precheckSigV4 } from './sigv4';
import { tokenBucket } from './token-bucket';
import type { ServeUnsigned } from './unsigned-routes';

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export interface Route {
  operation: Operation;
  handler: ProxyHandler;
}

export interface RestGatewayOptions {
  host: string;
  port: number;
  region: string;
  accountId: string;
  principals: readonly Principal[];
  routes: readonly Route[];
  /** Host header values answered; others get 403 before anything else is looked at. */
  hosts: HostPolicy;
  /** Concurrent TCP connections; more are refused as they arrive. */
  maxConnections: number;
  /** Larger bodies get 413 before any handler runs (from Content-Length, before reading). */
  maxBodyBytes?: number;
  /** The few unsigned routes (readiness, console): tried after the Host check, before any body is read or route matched. */
  serveUnsigned?: ServeUnsigned;
  /**
   * Requests per second per operation name (burst: one second's worth), as API Gateway's method
   * throttles on AWS; requests past them get 429 ThrottlingException. Unset: no throttling.
   */
  operationRates?: Readonly<Record<string, number>>;
}

export interface RunningGateway {
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish, then resolves. */
  close(): Promise<void>;
}

/** Service names a caller may sign for: `ivschat` (the SDK's) and `execute-api` (a deployed API Gateway's). */
const SIGNING_SERVICES = ['ivschat', 'execute-api'] as const;
/**
 * The largest IVS Chat request (CreateRoom with 50 tags and every member at its maximum) is far
 * under 64 KB; 1 MiB is ample and bounds what a slow or hostile client can make the process hold
 * (Lambda itself would take 6 MB).
 */
const MAX_BODY_BYTES = 1024 * 1024;
/** On close: how long no new connection must arrive before the listener closes. */
const ACCEPT_QUIET_MS = 25;
/** On close: the most time given to late connections and to accepted ones to send their request. */
const CLOSE_GRACE_MS = 1_000;

/** API Gateway's THROTTLED gateway response, as the stack configures it (x-amzn-ErrorType is what the SDK reads). */
const THROTTLED: AwsError = { name: 'ThrottlingException', status: 429, message: 'Too Many Requests' };

/** API Gateway's answer to an unknown route or an unsigned request when the API uses AWS_IAM. */
const MISSING_TOKEN: AwsError = { name: 'MissingAuthenticationTokenException', status: 403, message: 'Missing Authentication Token' };

/**
 * The local stand-in for a REST API Gateway with AWS_IAM authorization: routes on the raw path,
 * verifies SigV4, checks the caller may perform the operation's IAM action, and hands the request
 * to the operation's Lambda handler as an API Gateway proxy event (payload v1).
 */
export async function startRestGateway(options: RestGatewayOptions): Promise<RunningGateway> {
  const principals = new Map(options.principals.map((p) => [p.accessKeyId, p]));
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const tooLarge: AwsError = {
    name: 'RequestEntityTooLargeException',
    status: 413,
    message: `Request body larger than ${maxBodyBytes} bytes`,
  };
  const throttles = new Map(
    Object.entries(options.operationRates ?? {}).map(([name, rate]) => [name, tokenBucket({ ratePerSecond: rate, burst: rate })]),
  );
  let closing = false;
  const inFlight = new Set<Promise<void>>();

  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomUUID();
    const send = (result: APIGatewayProxyResult, unread = false) => {
      // A refusal before the body was read: the rest of the body is drained, never kept.
      if (unread) return answerUnread(req, res, result.statusCode, stringHeaders(result.headers), result.body);
      if (closing) res.setHeader('connection', 'close');
      res.writeHead(result.statusCode, stringHeaders(result.headers));
      res.end(result.statusCode === 204 ? undefined : result.body);
    };
    const startedAt = performance.now();
    let operation = 'unknown';
    // Refusals happen before any handler runs, so the gateway logs them itself, in the handlers'
    // format (as API Gateway's access log would on AWS): their request ids can be found too.
    const fail = (error: AwsError, unread = false) => {
      send(awsErrorResult(error, requestId), unread);
      logger.info('request refused by the gateway', {
        operation,
        status: error.status,
        latencyMs: Math.round((performance.now() - startedAt) * 100) / 100,
        requestId,
        errorType: error.name,
      });
    };

    // Everything that can be refused from the request line and headers is, before the body is
    // read: a foreign Host, a declared length over the limit, an unknown route, a missing or bad
    // signature (all but its payload hash), a caller without the operation's permission.
    if (!hostAllowed(options.hosts, req.headers.host)) {
      return fail(
        { name: 'ForbiddenException', status: 403, message: 'Host not allowed: set IVSCHAT_ALLOWED_HOSTS to serve this name' },
        true,
      );
    }
    if (options.serveUnsigned?.(req, res)) return;
    if (declaresMoreThan(req, maxBodyBytes)) return fail(tooLarge, true);
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const rawPath = queryAt < 0 ? url : url.slice(0, queryAt);
    const rawQuery = queryAt < 0 ? '' : url.slice(queryAt + 1);
    const match = matchRoute(options.routes, req.method ?? '', rawPath);
    if (!match) return fail(MISSING_TOKEN, true);
    operation = match.route.operation.name;
    // As a method throttle does, every request to the operation counts, whoever sent it; a refusal
    // costs nothing more than this.
    if (throttles.get(operation)?.take() === false) return fail(THROTTLED, true);

    const signed = { method: req.method ?? '', rawPath, rawQuery, headers: req.headers };
    const checked = precheckSigV4(signed, {
      region: options.region,
      services: SIGNING_SERVICES,
      lookup: (id) => principals.get(id),
      now: new Date(),
    });
    if (!('complete' in checked)) return fail({ name: checked.code, status: 403, message: checked.message }, true);
    const principal = principals.get(checked.accessKeyId) as Principal;
    const action = iamAction(match.route.operation);
    const callerArn = principalArn(principal, options.accountId);
    if (!isAllowed(principal, action)) {
      return fail(toAwsError(new AccessDeniedException(`User: ${callerArn} is not authorized to perform: ${action}`)), true);
    }

    const body = await readBody(req, maxBodyBytes);
    if (body === undefined) return fail(tooLarge, true);
    const verdict = checked.complete(body);
    if (!verdict.ok) return fail({ name: verdict.code, status: 403, message: verdict.message });

    const event = proxyEvent({ req, rawPath, rawQuery, body, requestId, route: match, principal, callerArn, accountId: options.accountId });
    try {
      send(await match.route.handler(event, lambdaContext(match.route.operation, requestId)));
    } catch (err) {
      // Handlers map their own errors; reaching here is a handler bug, answered as AWS would a crash.
      fail(toAwsError(err));
    }
  };

  // Connections accepted whose first request is not read yet. http.Server#close counts them as idle
  // and drops them at once, so callers whose request was already on its way would see a hang-up.
  const unread = new Set<Socket>();
  let lastAcceptAt = 0;
  const server: Server = createServer(SERVER_OPTIONS, (req, res) => {
    unread.delete(req.socket);
    const done = serve(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  });
  server.on('connection', (socket: Socket) => {
    lastAcceptAt = Date.now();
    unread.add(socket);
    socket.once('close', () => unread.delete(socket));
  });
  capConnections(server, () => port, options.maxConnections, 'control-plane');
  const { port, authority } = await listen(server, options.port, options.host);
  return {
    url: `http://${authority}`,
    port,
    close: async () => {
      closing = true;
      const startedAt = Date.now();
      const deadline = startedAt + CLOSE_GRACE_MS;
      // Connections still queued in the kernel would be reset when the listener closes, after their
      // caller had sent the request: keep accepting (responses now say `connection: close`) until
      // none has arrived for a moment.
      await waitWhile(() => Date.now() - Math.max(lastAcceptAt, startedAt) < ACCEPT_QUIET_MS, deadline);
      // Stop listening only (net.Server's close; http.Server's would drop unread connections too),
      // let accepted connections deliver their request, then drop the idle ones.
      const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
      await waitWhile(() => unread.size > 0, deadline);
      server.closeIdleConnections();
      await Promise.all(inFlight);
      server.closeIdleConnections();
      await closed;
    },
  };
}

async function waitWhile(condition: () => boolean, deadline: number): Promise<void> {
  while (condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
}

interface RouteMatch {
  route: Route;
  pathParameters: Record<string, string> | null;
}

/**
 * Matches the raw, still percent-encoded path segment by segment, so an encoded `/` (`%2F`) inside
 * a tag ARN stays inside its `{resourceArn}` segment, as in API Gateway.
 */
function matchRoute(routes: readonly Route[], method: string, rawPath: string): RouteMatch | undefined {
  const segments = rawPath.split('/').slice(1);
  for (const route of routes) {
    if (route.operation.method !== method) continue;
    const template = route.operation.path.split('/').slice(1);
    if (template.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = template.every((part, i) => {
      const segment = segments[i] ?? '';
      if (part.startsWith('{') && part.endsWith('}')) {
        params[part.slice(1, -1)] = segment;
        return segment !== '';
      }
      return part === segment;
    });
    if (matches) return { route, pathParameters: Object.keys(params).length ? params : null };
  }
  return undefined;
}

function proxyEvent(args: {
  req: IncomingMessage;
  rawPath: string;
  rawQuery: string;
  body: Buffer;
  requestId: string;
  route: RouteMatch;
  principal: Principal;
  callerArn: string;
  accountId: string;
}): APIGatewayProxyEvent {
  const { req, rawPath, rawQuery, body, requestId, route, principal, callerArn, accountId } = args;
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string;
    const value = req.rawHeaders[i + 1] as string;
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  // API Gateway decodes query strings for the proxy event; path parameters it passes as received.
  const query = new URLSearchParams(rawQuery.replace(/\+/g, '%2B'));
  const multi: Record<string, string[]> = {};
  for (const [k, v] of query) (multi[k] ??= []).push(v);
  const single = Object.fromEntries(Object.entries(multi).map(([k, v]) => [k, v[v.length - 1] as string]));
  const hasQuery = Object.keys(multi).length > 0;
  return {
    resource: route.route.operation.path,
    path: rawPath,
    httpMethod: req.method ?? '',
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? single : null,
    multiValueQueryStringParameters: hasQuery ? multi : null,
    pathParameters: route.pathParameters,
    stageVariables: null,
    body: body.length ? body.toString('utf8') : null,
    isBase64Encoded: false,
    requestContext: {
      accountId,
      apiId: 'local',
      authorizer: null,
      httpMethod: req.method ?? '',
      path: rawPath,
      protocol: `HTTP/${req.httpVersion}`,
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: route.route.operation.name,
      resourcePath: route.route.operation.path,
      stage: 'local',
      identity: {
        accessKey: principal.accessKeyId,
        accountId,
        apiKey: null,
        apiKeyId: null,
        caller: principal.name ?? principal.accessKeyId,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: req.socket.remoteAddress ?? '',
        user: principal.name ?? principal.accessKeyId,
        userAgent: req.headers['user-agent'] ?? null,
        userArn: callerArn,
      },
    },
  };
}

function lambdaContext(operation: Operation, requestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `ivschat-${operation.module}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:ivschat-${operation.module}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/ivschat-${operation.module}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function stringHeaders(headers: APIGatewayProxyResult['headers']): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, String(v)]));
}
