import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Scope, isInScope, parseArn } from '../domain/arn';
import { IdClock, systemIdClock } from '../domain/ids';
import { LoggingConfigurationStore, createLoggingConfigurationStore } from '../data/logging-configurations';
import { createQuotaCounter } from '../data/quotas';
import { RoomStore, createRoomStore } from '../data/rooms';
import { TagStore, createTagStore } from '../data/tags';
import { Config, config } from './config';

/** What the control-plane handlers work with; tests build their own. */
export interface ControlPlaneDeps {
  scope: Scope;
  idClock: IdClock;
  rooms: RoomStore;
  tags: TagStore;
  loggingConfigurations: LoggingConfigurationStore;
}

/**
 * The DynamoDB document client, built from config. `undefined` members are dropped, never stored.
 * `convertClassInstanceToMap`: the marshaller spots plain objects by `constructor.name`, so a caller's
 * map with a key named `constructor` (a valid tag key) was refused as a class instance, a 500.
 */
export function createDocumentClient(cfg: Config): DynamoDBDocumentClient {
  const client = new DynamoDBClient({ region: cfg.region, ...(cfg.dynamodbEndpoint ? { endpoint: cfg.dynamodbEndpoint } : {}) });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true } });
}

/** Builds the production dependencies from a configuration. */
export function buildDeps(cfg: Config): ControlPlaneDeps {
  const doc = createDocumentClient(cfg);
  const { tableName } = cfg;
  const scope: Scope = { region: cfg.region, accountId: cfg.accountId };
  return {
    scope,
    idClock: systemIdClock,
    rooms: createRoomStore({
      doc,
      tableName,
      quota: createQuotaCounter({ doc, tableName, name: 'rooms', limit: cfg.maxRooms }),
    }),
    tags: createTagStore({ doc, tableName }),
    loggingConfigurations: createLoggingConfigurationStore({
      doc,
      tableName,
      inScope: (arn) => isInScope(parseArn(arn), scope),
    }),
  };
}

let shared: ControlPlaneDeps | undefined;

/** The dependencies every handler of this process shares: one client, built on first use. */
export function defaultDeps(): ControlPlaneDeps {
  shared ??= buildDeps(config());
  return shared;
}
