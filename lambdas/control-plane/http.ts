import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { jsonDepthExceeds } from '../domain/json-text';
import { InternalServerException, IvsChatError, ValidationException } from '../shared/errors';
import { corsAllowOrigin } from '../shared/config';
import { corsHeaders } from '../shared/cors';
import { logger } from '../shared/logger';

/** A control-plane request as handlers see it: JSON body parsed, path and query as API Gateway gives them. */
export interface ApiRequest {
  body: Record<string, unknown>;
  pathParameters: Record<string, string | undefined>;
  query: Record<string, string[] | undefined>;
  requestId: string;
}

export type ApiResponse = { status: 200; body: unknown } | { status: 204 };

/** 200 with a JSON body. */
export const ok = (body: unknown): ApiResponse => ({ status: 200, body });
/** 204 with no body: what AWS models for operations whose output is Unit (DeleteRoom). */
export const noContent = (): ApiResponse => ({ status: 204 });

export type RestHandler = middy.MiddyfiedHandler<APIGatewayProxyEvent, APIGatewayProxyResult>;

/** An error response in AWS restJson1 form, as the SDK reads it. */
export interface AwsError {
  name: string;
  status: number;
  message: string;
  fields?: Record<string, unknown>;
}

/**
 * The one writer of error responses: `x-amzn-ErrorType` (the SDK picks the exception class from it
 * first) and a JSON body with `message` and the error's own members. `cors`: the handlers' CORS headers, when configured.
 */
export function awsErrorResult(error: AwsError, requestId: string, cors: Record<string, string> = {}): APIGatewayProxyResult {
  return {
    statusCode: error.status,
    headers: { ...responseHeaders(requestId, cors), 'x-amzn-ErrorType': error.name },
    body: JSON.stringify({ message: error.message, ...error.fields }),
  };
}

/** Maps any thrown value to its AWS error; unknown failures become a 500 that reveals nothing inside. */
export function toAwsError(err: unknown): AwsError {
  const known = err instanceof IvsChatError ? err : new InternalServerException('An internal error occurred');
  return { name: known.name, status: known.status, message: known.message, fields: known.fields() };
}

const responseHeaders = (requestId: string, cors: Record<string, string>) => ({
  'content-type': 'application/json',
  'x-amzn-RequestId': requestId,
  ...cors,
});

/**
 * Wraps an operation as a Lambda handler for API Gateway REST proxy events (payload v1): parses
 * the JSON body, maps errors once, adds the request id (and, on a stack deployed with
 * `corsAllowOrigin`, the CORS headers a browser page needs to read the answer), and logs one line per request.
 */
export function restHandler(operation: string, run: (request: ApiRequest) => Promise<ApiResponse>): RestHandler {
  // Read when the handler is built (a cold start; local mode's start): a bad value fails there, not in an answer.
  const cors = corsHeaders(corsAllowOrigin());
  const base = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const requestId = event.requestContext.requestId;
    const response = await run({
      body: parseBody(event),
      pathParameters: event.pathParameters ?? {},
      query: event.multiValueQueryStringParameters ?? {},
      requestId,
    });
    return response.status === 204
      ? { statusCode: 204, headers: responseHeaders(requestId, cors), body: '' }
      : { statusCode: 200, headers: responseHeaders(requestId, cors), body: JSON.stringify(response.body) };
  };
  return middy(base).use(requestLog(operation)).use(errorMapper(cors));
}

function errorMapper(cors: Record<string, string>): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    onError: (request) => {
      const error = toAwsError(request.error);
      if (error.status >= 500) logger.error('request failed', { error: request.error as Error });
      request.response = awsErrorResult(error, request.event.requestContext.requestId, cors);
    },
  };
}

/** One log line per request: operation, status, latency, request id. Never a body or header. */
function requestLog(operation: string): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  const startedAt = new WeakMap<object, number>();
  const log = (request: middy.Request<APIGatewayProxyEvent, APIGatewayProxyResult>) => {
    const started = startedAt.get(request) ?? performance.now();
    logger.info('request', {
      operation,
      status: request.response?.statusCode,
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
      requestId: request.event.requestContext.requestId,
      ...(request.response?.headers?.['x-amzn-ErrorType'] ? { errorType: request.response.headers['x-amzn-ErrorType'] } : {}),
    });
  };
  return {
    before: (request) => {
      startedAt.set(request, performance.now());
    },
    after: log,
    onError: log,
  };
}

/** The request body as a JSON object; the SDK always sends one (`{}` when no member is set). */
function parseBody(event: APIGatewayProxyEvent): Record<string, unknown> {
  if (!event.body) return {};
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (jsonDepthExceeds(text)) throw new ValidationException('Could not parse request body into json: nesting is too deep', 'OTHER');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ValidationException(`Could not parse request body into json: ${(err as Error).message}`, 'OTHER');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ValidationException('The request body must be a JSON object', 'OTHER');
  }
  return parsed as Record<string, unknown>;
}

/**
 * A path parameter, percent-decoded exactly once. API Gateway hands REST path parameters over as
 * they were on the wire, and the SDK percent-encodes the whole tag ARN (`:` and `/` included).
 */
export function pathParameter(request: Pick<ApiRequest, 'pathParameters'>, name: string): string | undefined {
  const raw = request.pathParameters[name];
  if (raw === undefined) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    throw ValidationException.forFields([{ name, message: 'Member is not validly percent-encoded' }]);
  }
}
