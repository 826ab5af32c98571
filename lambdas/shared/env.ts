/**
 * Names of the environment variables the handlers read. Names only, no reads: CDK constructs import
 * this module to set the same variables on the functions, so it must stay free of side effects.
 */
export const ENV = {
  region: 'AWS_REGION',
  accountId: 'IVSCHAT_ACCOUNT_ID',
  tableName: 'IVSCHAT_TABLE_NAME',
  /** Unset on AWS; local mode points it at dynalite. */
  dynamodbEndpoint: 'DYNAMODB_ENDPOINT',
  /** Rooms per account and region before CreateRoom answers ServiceQuotaExceededException. */
  maxRooms: 'IVSCHAT_MAX_ROOMS',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];
