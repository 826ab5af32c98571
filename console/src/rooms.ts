import {
  CreateRoomCommand,
  IvschatClient,
  ListLoggingConfigurationsCommand,
  ListRoomsCommand,
  LoggingConfigurationSummary,
  GetRoomCommandOutput,
  RoomSummary,
} from '@aws-sdk/client-ivschat';
import { attempt, clearError } from './api';
import { append, byId, checked, field, h, labelled } from './dom';
import { parsePairs } from './text';

/** What a room form collects: the members CreateRoom and UpdateRoom share, tags for CreateRoom only. */
export interface RoomFields {
  name: string;
  maximumMessageRatePerSecond?: number;
  maximumMessageLength?: number;
  messageReviewHandler?: { uri: string; fallbackResult: 'ALLOW' | 'DENY' };
  loggingConfigurationIdentifiers: string[];
  tags?: Record<string, string>;
}

const PAGE_SIZE = 10;

/**
 * Fills a room form: name, rate, length, review handler, logging configurations, and (when
 * creating) tags. Empty numbers are left out so that the service applies its defaults.
 */
export function renderRoomForm(
  form: HTMLFormElement,
  options: { room?: GetRoomCommandOutput; loggingConfigurations: LoggingConfigurationSummary[]; submitLabel: string; testIds?: boolean },
): void {
  const { room, loggingConfigurations, submitLabel, testIds } = options;
  const logging = h('div', { class: 'logging' }, loggingChoices(loggingConfigurations, room?.loggingConfigurationIdentifiers ?? []));
  const name = labelled(
    room ? 'Name' : 'New room name',
    h('input', {
      name: 'name',
      value: room?.name ?? '',
      maxlength: 128,
      pattern: '[a-zA-Z0-9_\\-]*',
      'data-testid': testIds ? 'room-name-input' : undefined,
    }),
    'Letters, digits, - and _.',
  );
  const settings = [
    h(
      'div',
      { class: 'row' },
      labelled(
        'Messages per second',
        h('input', {
          name: 'rate',
          type: 'number',
          min: 1,
          max: 100,
          inputmode: 'numeric',
          value: room?.maximumMessageRatePerSecond ?? '',
        }),
        '1–100, default 10',
      ),
      labelled(
        'Message length',
        h('input', { name: 'length', type: 'number', min: 1, max: 500, inputmode: 'numeric', value: room?.maximumMessageLength ?? '' }),
        '1–500, default 500',
      ),
    ),
    h(
      'fieldset',
      { class: 'stack' },
      h('legend', {}, 'Message review handler'),
      labelled(
        'Lambda function ARN',
        h('input', { name: 'reviewUri', value: room?.messageReviewHandler?.uri ?? '', placeholder: 'arn:aws:lambda:…' }),
        'Empty: no review.',
      ),
      labelled(
        'When the handler fails',
        h(
          'select',
          { name: 'fallback' },
          h('option', { value: 'ALLOW', selected: room?.messageReviewHandler?.fallbackResult !== 'DENY' }, 'Allow the message'),
          h('option', { value: 'DENY', selected: room?.messageReviewHandler?.fallbackResult === 'DENY' }, 'Deny the message'),
        ),
      ),
    ),
    logging,
    room ? null : labelled('Tags', h('textarea', { name: 'tags', rows: 2, placeholder: 'team=support' }), 'One key=value a line.'),
  ];
  const submit = h('button', { type: 'submit', 'data-testid': testIds ? 'create-room-button' : undefined }, submitLabel);
  form.replaceChildren();
  // Creating needs a name at most; the rest waits behind "More settings". Editing shows everything.
  if (room) append(form, name, ...settings, submit);
  else
    append(
      form,
      h('div', { class: 'row' }, name, submit),
      h('details', { class: 'more' }, h('summary', {}, 'More settings'), h('div', { class: 'stack' }, ...settings)),
    );
}

function loggingChoices(configurations: LoggingConfigurationSummary[], selected: string[]): HTMLElement {
  if (!configurations.length) return h('p', { class: 'hint' }, 'No logging configurations exist yet (create them with the CLI or SDK).');
  return h(
    'fieldset',
    { class: 'checks' },
    h('legend', {}, 'Logging configurations'),
    ...configurations.map((c) =>
      h(
        'label',
        { class: 'check' },
        h('input', { type: 'checkbox', name: 'logging', value: c.arn ?? '', checked: selected.includes(c.arn ?? '') }),
        ` ${c.name || c.id} (${c.state})`,
      ),
    ),
  );
}

/** New logging configurations in a form, keeping what the user typed and ticked meanwhile. */
export function refreshLoggingChoices(form: HTMLFormElement, configurations: LoggingConfigurationSummary[]): void {
  form.querySelector('.logging')?.replaceChildren(loggingChoices(configurations, checked(form, 'logging')));
}

/** Reads a room form; throws with a message the user can act on when a field is malformed. */
export function readRoomForm(form: HTMLFormElement): RoomFields {
  const number = (name: string) => (field(form, name) === '' ? undefined : Number(field(form, name)));
  const uri = field(form, 'reviewUri');
  const tagsText = field(form, 'tags');
  return {
    name: field(form, 'name'),
    maximumMessageRatePerSecond: number('rate'),
    maximumMessageLength: number('length'),
    messageReviewHandler: uri ? { uri, fallbackResult: field(form, 'fallback') === 'DENY' ? 'DENY' : 'ALLOW' } : undefined,
    loggingConfigurationIdentifiers: checked(form, 'logging'),
    tags: tagsText ? parsePairs(tagsText) : undefined,
  };
}

/** Every logging configuration, for the forms' checkboxes (the list is short: the quota is 10 per account and region). */
export async function listLoggingConfigurations(client: IvschatClient): Promise<LoggingConfigurationSummary[]> {
  const all: LoggingConfigurationSummary[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListLoggingConfigurationsCommand({ maxResults: 50, nextToken }));
    all.push(...(page.loggingConfigurations ?? []));
    nextToken = page.nextToken;
  } while (nextToken && all.length < 500);
  return all;
}

/**
 * The room list: pages of ListRooms (the service returns newest first), an exact-name filter, and
 * a trail of page tokens so that "Newer" can go back.
 */
export class RoomList {
  private tokens: (string | undefined)[] = [undefined];
  private page = 0;
  private name = '';
  private nextToken: string | undefined;

  constructor(
    private readonly client: () => IvschatClient,
    private readonly onOpen: (roomArn: string) => void,
    private readonly selected: () => string | undefined,
  ) {
    byId<HTMLFormElement>('filter-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.name = field(e.currentTarget as HTMLFormElement, 'name');
      this.tokens = [undefined];
      this.page = 0;
      void this.load();
    });
    byId('older-rooms').addEventListener('click', () => {
      this.tokens[this.page + 1] = this.nextToken;
      this.page += 1;
      void this.load();
    });
    byId('newer-rooms').addEventListener('click', () => {
      this.page = Math.max(0, this.page - 1);
      void this.load();
    });
  }

  /** Reloads the current page (after a create, edit or delete). */
  async load(): Promise<void> {
    const list = byId('room-list');
    list.setAttribute('aria-busy', 'true');
    const result = await attempt('Listing rooms', () =>
      this.client().send(
        new ListRoomsCommand({ maxResults: PAGE_SIZE, nextToken: this.tokens[this.page], ...(this.name ? { name: this.name } : {}) }),
      ),
    );
    list.setAttribute('aria-busy', 'false');
    if (!result) return;
    this.nextToken = result.nextToken;
    this.render(result.rooms ?? []);
  }

  private render(rooms: RoomSummary[]): void {
    const list = byId('room-list');
    const current = this.selected();
    list.replaceChildren(
      ...rooms.map((room) =>
        h(
          'li',
          { 'data-testid': 'room-item', 'data-room-arn': room.arn ?? '', class: room.arn === current ? 'current' : undefined },
          h(
            'button',
            {
              type: 'button',
              class: 'room-open',
              'aria-current': room.arn === current ? 'true' : undefined,
              onclick: () => this.onOpen(room.arn ?? ''),
            },
            h('span', { class: 'room-name' }, room.name || '(no name)'),
            h('span', { class: 'room-meta' }, `${room.id} · updated ${room.updateTime?.toLocaleString() ?? ''}`),
          ),
        ),
      ),
    );
    if (!rooms.length) list.append(h('li', { class: 'empty' }, this.name ? `No room is named ${this.name}.` : 'No rooms yet.'));
    (byId('newer-rooms') as HTMLButtonElement).disabled = this.page === 0;
    (byId('older-rooms') as HTMLButtonElement).disabled = !this.nextToken;
    byId('room-page').textContent = `Page ${this.page + 1}`;
  }
}

/** The create form: on success, the new room is opened and the list reloaded. */
export function setUpCreateForm(
  client: () => IvschatClient,
  loggingConfigurations: () => LoggingConfigurationSummary[],
  created: (roomArn: string) => void,
): { refresh(): void } {
  const form = byId<HTMLFormElement>('create-form');
  renderRoomForm(form, { loggingConfigurations: loggingConfigurations(), submitLabel: 'Create room', testIds: true });
  const refresh = () => refreshLoggingChoices(form, loggingConfigurations());
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void attempt('Creating a room', async () => {
      const fields = readRoomForm(form);
      const room = await client().send(new CreateRoomCommand({ ...fields, name: fields.name || undefined }));
      clearError();
      form.reset();
      created(room.arn ?? '');
    });
  });
  return { refresh };
}
