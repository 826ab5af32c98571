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

/** What the banner `npm start` prints before the ready line says, besides the endpoints. */
export interface BannerInfo extends ReadyInfo {
  region: string;
  accountId: string;
  dataDir: string | undefined;
  /** Access key ids of the principals, in the file's order (their secrets are never printed). */
  accessKeyIds: string[];
  /** Where the principals came from; unset: local mode's default principal `test`. */
  principalsFile: string | undefined;
  /** The key for the command to try: one allowed to create rooms and chat tokens, if any is. */
  chatKeyId: string;
}

/** Quotes `text` for a POSIX shell unless it is plain. */
const sh = (text: string): string => (/^[\w./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);

/**
 * The human part of what `npm start` prints once it listens: where each part is, which credentials
 * it accepts and where they came from (never a secret), and one command to paste into a second
 * terminal. Machines read the ready line instead; this text may change.
 */
export function bannerLines(info: BannerInfo): string[] {
  const { apiUrl, wsUrl, region } = info;
  const credentials = info.principalsFile
    ? `access key id${info.accessKeyIds.length > 1 ? 's' : ''} ${info.accessKeyIds.join(', ')} from IVSCHAT_PRINCIPALS_FILE ${info.principalsFile} (secrets there)`
    : `access key id ${info.chatKeyId}, local mode's default principal (secret as in the README; IVSCHAT_PRINCIPALS_FILE for your own)`;
  const chat = `npx ivschat chat --endpoint ${sh(apiUrl)} --ws ${sh(wsUrl)} --region ${sh(region)}`;
  // The CLI signs with test / test unless told otherwise: only a principals file needs the secret.
  const signWith = info.principalsFile ? ` --access-key-id ${sh(info.chatKeyId)} --secret-access-key "$IVSCHAT_SECRET"` : '';
  const tryLine = `${chat}${signWith} --room lobby --user ann`;
  return [
    `control plane  ${apiUrl}  (SigV4, region ${region}, account ${info.accountId})`,
    `messaging      ${wsUrl}  (@connections API ${info.connectionsEndpoint})`,
    `console        ${apiUrl}/console/`,
    `credentials    ${credentials}`,
    `DynamoDB       ${info.dynamodbEndpoint}  (dynalite, table ivschat)`,
    `data           ${info.dataDir ? `kept in ${info.dataDir}` : 'in memory (set IVSCHAT_DATA_DIR to keep it)'}`,
    `chat logs      under ${info.logsDir}, once a room with a logging configuration logs`,
    `try            ${tryLine}`,
    ...(info.principalsFile ? [`               (with the secret of ${info.chatKeyId} from ${info.principalsFile} in IVSCHAT_SECRET)`] : []),
  ].map((line) => `ivschat-local: ${line}`);
}
