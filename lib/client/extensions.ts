import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * A small typed client for the extension operations (docs/extensions.md): ListMessages,
 * GetRoomPresence, BanUser, UnbanUser, ListBans. The AWS SDK cannot send operations its model does
 * not have, so this signs the same restJson1 requests itself with the SDK's own signer
 * (@smithy/signature-v4). Configured like IvschatClient: an endpoint (local mode's URL, or a
 * deployed stack's ControlPlaneUrl with its stage path), a region, credentials, and the service
 * name to sign for: `ivschat` (default) or `execute-api`, which API Gateway requires.
 *
 *   const ext = new IvschatExtensionsClient({ endpoint: 'http://127.0.0.1:8787', region: 'us-east-1',
 *     credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
 *   const { messages } = await ext.listMessages({ roomIdentifier: roomArn, maxResults: 20 });
 */

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface ExtensionsClientConfig {
  endpoint: string;
  region: string;
  /** Keys, or a provider of them (such as the SDK's fromNodeProviderChain()). */
  credentials: Credentials | (() => Promise<Credentials>);
  /** `execute-api` for a deployed stack; local mode accepts both. */
  signingName?: 'ivschat' | 'execute-api';
  /** Per request, in milliseconds (default 30 s). */
  requestTimeoutMs?: number;
}

export interface HistoryMessage {
  Type: 'MESSAGE';
  Id: string;
  Content: string;
  Attributes: Record<string, string> | null;
  SendTime: string;
  Sender: { UserId: string; Attributes: Record<string, string> };
}

export interface HistoryEvent {
  Type: 'EVENT';
  Id: string;
  EventName: string;
  Attributes: Record<string, string>;
  SendTime: string;
}

export interface ListMessagesInput {
  roomIdentifier: string;
  maxResults?: number;
  nextToken?: string;
  /** Inclusive. */
  startTime?: Date | string;
  /** Exclusive. */
  endTime?: Date | string;
  includeEvents?: boolean;
}

export interface ListMessagesOutput {
  messages: (HistoryMessage | HistoryEvent)[];
  nextToken?: string;
}

export interface GetRoomPresenceInput {
  roomIdentifier: string;
  maxResults?: number;
  nextToken?: string;
}

export interface GetRoomPresenceOutput {
  connectionCount: number;
  userCount: number;
  users: { userId: string; attributes: Record<string, string>; connectionCount: number; connectedAt: string }[];
  nextToken?: string;
}

export interface BanUserInput {
  roomIdentifier: string;
  userId: string;
  reason?: string;
  durationInMinutes?: number;
}

export interface ListBansInput {
  roomIdentifier: string;
  maxResults?: number;
  nextToken?: string;
}

export interface ListBansOutput {
  bans: { userId: string; reason?: string; createTime: string; expirationTime?: string }[];
  nextToken?: string;
}

/** An error answered by the service, in the AWS shape: `name` is its `x-amzn-ErrorType`. */
export class ExtensionServiceError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly status: number,
    /** The error body's members besides `message` (fieldList, resourceId, resourceType, ...). */
    readonly details: Record<string, unknown>,
    readonly requestId: string | undefined,
  ) {
    super(message);
  }
}

export class IvschatExtensionsClient {
  private readonly signer: SignatureV4;
  private readonly base: URL;

  constructor(private readonly config: ExtensionsClientConfig) {
    // A stage path (`…/prod/`) is kept: operations are resolved below it.
    this.base = new URL(config.endpoint.endsWith('/') ? config.endpoint : `${config.endpoint}/`);
    const credentials = config.credentials;
    this.signer = new SignatureV4({
      service: config.signingName ?? 'ivschat',
      region: config.region,
      credentials: typeof credentials === 'function' ? credentials : async () => credentials,
      sha256: Sha256,
    });
  }

  listMessages(input: ListMessagesInput): Promise<ListMessagesOutput> {
    const { startTime, endTime, ...rest } = input;
    return this.call('ListMessages', {
      ...rest,
      ...(startTime === undefined ? {} : { startTime: timestamp(startTime) }),
      ...(endTime === undefined ? {} : { endTime: timestamp(endTime) }),
    });
  }

  getRoomPresence(input: GetRoomPresenceInput): Promise<GetRoomPresenceOutput> {
    return this.call('GetRoomPresence', input);
  }

  async banUser(input: BanUserInput): Promise<void> {
    await this.call('BanUser', input);
  }

  async unbanUser(input: { roomIdentifier: string; userId: string }): Promise<void> {
    await this.call('UnbanUser', input);
  }

  listBans(input: ListBansInput): Promise<ListBansOutput> {
    return this.call('ListBans', input);
  }

  /** One signed `POST /<operation>` with a JSON body; the answer's JSON, or an ExtensionServiceError. */
  private async call<T>(operation: string, input: object): Promise<T> {
    const url = new URL(operation, this.base);
    const body = JSON.stringify(input);
    const signed = await this.signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: {},
      headers: { host: url.host, 'content-type': 'application/json' },
      body,
    });
    const response = await fetch(url, {
      method: 'POST',
      headers: signed.headers,
      body,
      signal: AbortSignal.timeout(this.config.requestTimeoutMs ?? 30_000),
    });
    const text = await response.text();
    const parsed = parseJson(text);
    if (response.ok) return parsed as T;
    const { message, Message, ...details } = parsed;
    const name = (response.headers.get('x-amzn-errortype') ?? '').split(':')[0] || `Http${response.status}`;
    throw new ExtensionServiceError(
      name,
      String(message ?? Message ?? text),
      response.status,
      details,
      response.headers.get('x-amzn-requestid') ?? undefined,
    );
  }
}

const timestamp = (value: Date | string): string => (value instanceof Date ? value.toISOString() : value);

function parseJson(text: string): Record<string, unknown> {
  try {
    const value: unknown = text ? JSON.parse(text) : {};
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
