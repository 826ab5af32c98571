import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One structured JSON logger for all handlers. The level comes from POWERTOOLS_LOG_LEVEL (read by
 * Powertools itself). Request bodies, headers, signatures and tokens are never passed to it.
 */
export const logger = new Logger({ serviceName: 'ivschat' });
