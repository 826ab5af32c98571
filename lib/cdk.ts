/**
 * `ivschat-selfhosted/cdk`: the AWS deployment as a construct for a stack of one's own, and the
 * constructs its members are typed with. aws-cdk-lib and constructs are the user's (peer dependencies).
 */
export { IvsChat, IvsChatProps } from './ivs-chat';
export { ChatFunction } from './constructs/chat-function';
export { ChatTable } from './constructs/chat-table';
export { ControlPlaneApi, Throttle } from './constructs/control-plane-api';
export { MessagingApi } from './constructs/messaging-api';
export { RoomIntegrationsProps } from './constructs/room-integrations';
export { ShardQueue } from './constructs/shard-queue';
export { ChatAlarms } from './constructs/chat-alarms';
