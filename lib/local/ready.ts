/** What `npm start` tells the processes that start it, in its machine-readable ready line. */
export interface ReadyInfo {
  apiUrl: string;
  wsUrl: string;
  connectionsEndpoint: string;
  dynamodbEndpoint: string;
  logsDir: string;
}

const PREFIX = 'ivschat-local: ready ';

/**
 * The one line `npm start` prints once every server listens: a fixed prefix and a JSON object,
 * so tests, the bench and any supervisor read the endpoints without matching prose.
 */
export const readyLine = (info: ReadyInfo): string => `${PREFIX}${JSON.stringify(info)}`;

/** The ready line's contents, once `output` holds the whole line; undefined until then. */
export function parseReadyLine(output: string): ReadyInfo | undefined {
  const start = output.indexOf(PREFIX);
  if (start === -1) return undefined;
  const end = output.indexOf('\n', start);
  if (end === -1) return undefined;
  return JSON.parse(output.slice(start + PREFIX.length, end)) as ReadyInfo;
}
