import type { IvschatClient, LoggingConfigurationSummary } from '@aws-sdk/client-ivschat';
import { Connection, attempt, clearError, extensionsClient, initialConnection, ivschatClient, saveConnection } from './api';
import { byId, field } from './dom';
import { RoomList, listLoggingConfigurations, setUpCreateForm } from './rooms';
import { RoomView } from './room-view';

/**
 * The console: one connection (where to call, whom to sign as), the room list, and one open room.
 * The open room is in the URL (#room=ARN) so that a second tab can open the same room.
 */
async function main(): Promise<void> {
  let connection: Connection = await initialConnection();
  let client: IvschatClient = ivschatClient(connection);
  let extensions = extensionsClient(connection);
  let loggingConfigurations: LoggingConfigurationSummary[] = [];

  const connectionForm = byId<HTMLFormElement>('connection-form');
  const fillConnection = () => {
    for (const [name, value] of Object.entries(connection)) {
      const input = connectionForm.elements.namedItem(name);
      if (input instanceof HTMLInputElement || input instanceof HTMLSelectElement) input.value = value;
    }
    byId('target').textContent = `${connection.apiUrl} · ${connection.region} · ${connection.accessKeyId || 'no credentials'}`;
  };
  fillConnection();
  // Nothing to sign with yet (served elsewhere, for a deployed stack): the form is where to start.
  (byId('connection-details') as HTMLDetailsElement).open = !connection.accessKeyId || !connection.wsUrl;

  const view = new RoomView({
    client: () => client,
    extensions: () => extensions,
    wsUrl: () => connection.wsUrl,
    loggingConfigurations: () => loggingConfigurations,
    changed: () => void rooms.load(),
    closed: () => {
      history.replaceState(null, '', location.pathname);
      void rooms.load();
    },
  });
  const openRoom = (arn: string) => {
    history.replaceState(null, '', `#room=${encodeURIComponent(arn)}`);
    void view.open(arn).then(() => rooms.load());
  };
  const rooms = new RoomList(
    () => client,
    openRoom,
    () => view.roomArn,
  );
  const createForm = setUpCreateForm(
    () => client,
    () => loggingConfigurations,
    openRoom,
  );

  const refreshAll = async () => {
    loggingConfigurations = (await attempt('Listing logging configurations', () => listLoggingConfigurations(client))) ?? [];
    createForm.refresh();
    await rooms.load();
    const fromUrl = /^#room=(.+)$/.exec(location.hash)?.[1];
    if (fromUrl) await view.open(decodeURIComponent(fromUrl));
  };

  connectionForm.addEventListener('submit', (e) => {
    e.preventDefault();
    connection = {
      apiUrl: field(connectionForm, 'apiUrl').replace(/\/$/, ''),
      wsUrl: field(connectionForm, 'wsUrl').replace(/\/$/, ''),
      region: field(connectionForm, 'region'),
      accessKeyId: field(connectionForm, 'accessKeyId'),
      secretAccessKey: field(connectionForm, 'secretAccessKey'),
      sessionToken: field(connectionForm, 'sessionToken'),
      signingName: field(connectionForm, 'signingName') === 'execute-api' ? 'execute-api' : 'ivschat',
    };
    saveConnection(connection);
    client = ivschatClient(connection);
    extensions = extensionsClient(connection);
    clearError();
    fillConnection();
    void refreshAll();
  });
  byId('error-dismiss').addEventListener('click', () => {
    clearError();
    (document.querySelector('main h2, main button') as HTMLElement | null)?.focus();
  });
  window.addEventListener('hashchange', () => {
    const id = /^#room=(.+)$/.exec(location.hash)?.[1];
    if (id && decodeURIComponent(id) !== view.roomArn) void view.open(decodeURIComponent(id));
  });

  if (connection.accessKeyId) await refreshAll();
}

void main();
