/**
 * The control-plane operations: how the AWS SDK calls each one (method and path, as modelled for
 * restJson1), the IAM action that authorizes it, and the handler module that serves it. The local
 * gateway routes with this table and the CDK stack will build its REST resources from it.
 * Import-safe: no handler is loaded here.
 */
export interface Operation {
  name: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** API Gateway resource path; `{resourceArn}` is one path segment holding the percent-encoded ARN. */
  path: string;
  /** Module under lambdas/control-plane exporting `handler`. */
  module: string;
}

export const OPERATIONS: readonly Operation[] = [
  { name: 'CreateRoom', method: 'POST', path: '/CreateRoom', module: 'create-room' },
  { name: 'GetRoom', method: 'POST', path: '/GetRoom', module: 'get-room' },
  { name: 'UpdateRoom', method: 'POST', path: '/UpdateRoom', module: 'update-room' },
  { name: 'DeleteRoom', method: 'POST', path: '/DeleteRoom', module: 'delete-room' },
  { name: 'ListRooms', method: 'POST', path: '/ListRooms', module: 'list-rooms' },
  { name: 'CreateChatToken', method: 'POST', path: '/CreateChatToken', module: 'create-chat-token' },
  { name: 'SendEvent', method: 'POST', path: '/SendEvent', module: 'send-event' },
  { name: 'DeleteMessage', method: 'POST', path: '/DeleteMessage', module: 'delete-message' },
  { name: 'DisconnectUser', method: 'POST', path: '/DisconnectUser', module: 'disconnect-user' },
  { name: 'CreateLoggingConfiguration', method: 'POST', path: '/CreateLoggingConfiguration', module: 'create-logging-configuration' },
  { name: 'GetLoggingConfiguration', method: 'POST', path: '/GetLoggingConfiguration', module: 'get-logging-configuration' },
  { name: 'UpdateLoggingConfiguration', method: 'POST', path: '/UpdateLoggingConfiguration', module: 'update-logging-configuration' },
  { name: 'DeleteLoggingConfiguration', method: 'POST', path: '/DeleteLoggingConfiguration', module: 'delete-logging-configuration' },
  { name: 'ListLoggingConfigurations', method: 'POST', path: '/ListLoggingConfigurations', module: 'list-logging-configurations' },
  { name: 'TagResource', method: 'POST', path: '/tags/{resourceArn}', module: 'tag-resource' },
  { name: 'UntagResource', method: 'DELETE', path: '/tags/{resourceArn}', module: 'untag-resource' },
  { name: 'ListTagsForResource', method: 'GET', path: '/tags/{resourceArn}', module: 'list-tags-for-resource' },
  // Extensions, not in IVS Chat (docs/extensions.md): the same protocol, signing and authorization.
  { name: 'ListMessages', method: 'POST', path: '/ListMessages', module: 'list-messages' },
  { name: 'GetRoomPresence', method: 'POST', path: '/GetRoomPresence', module: 'get-room-presence' },
  { name: 'BanUser', method: 'POST', path: '/BanUser', module: 'ban-user' },
  { name: 'UnbanUser', method: 'POST', path: '/UnbanUser', module: 'unban-user' },
  { name: 'ListBans', method: 'POST', path: '/ListBans', module: 'list-bans' },
];

/**
 * IVS Chat's documented per-account call rates (TPS) per operation (service quotas page, see the
 * API notes). On AWS each method gets its own API Gateway throttle at that rate, with a burst of
 * one second's worth (lib/constructs/control-plane-api.ts); local mode applies the same buckets
 * when IVSCHAT_ENFORCE_QUOTAS=1 (lib/local/rest-gateway.ts). Either way a caller meets
 * ThrottlingException where AWS would throttle.
 */
export const OPERATION_RATES: Readonly<Record<string, number>> = {
  CreateRoom: 5,
  GetRoom: 5,
  UpdateRoom: 5,
  DeleteRoom: 5,
  ListRooms: 5,
  CreateChatToken: 200,
  SendEvent: 100,
  DeleteMessage: 100,
  DisconnectUser: 100,
  CreateLoggingConfiguration: 3,
  GetLoggingConfiguration: 3,
  UpdateLoggingConfiguration: 3,
  DeleteLoggingConfiguration: 3,
  ListLoggingConfigurations: 3,
  TagResource: 10,
  UntagResource: 10,
  ListTagsForResource: 10,
  // The extensions (docs/extensions.md) have no IVS quota; ours: history reads as often as tokens
  // are minted (a backend may read it for each joining viewer), presence polled, bans as DisconnectUser.
  ListMessages: 200,
  GetRoomPresence: 50,
  BanUser: 100,
  UnbanUser: 100,
  ListBans: 10,
};

/** The IAM action name for an operation, e.g. `ivschat:CreateRoom`. */
export const iamAction = (operation: Operation): string => `ivschat:${operation.name}`;
