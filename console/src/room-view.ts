import {
  DeleteRoomCommand,
  GetRoomCommand,
  GetRoomCommandOutput,
  IvschatClient,
  ListTagsForResourceCommand,
  LoggingConfigurationSummary,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateRoomCommand,
} from '@aws-sdk/client-ivschat';
import { attempt, clearError } from './api';
import { append, byId, field, h, labelled } from './dom';
import type { IvschatExtensionsClient } from '../../lib/client/extensions';
import { LiveRoom } from './live';
import { readRoomForm, renderRoomForm } from './rooms';

/** How long the delete button waits for its confirming second press. */
const CONFIRM_MS = 5_000;

export interface RoomViewContext {
  client: () => IvschatClient;
  extensions: () => IvschatExtensionsClient;
  wsUrl: () => string;
  loggingConfigurations: () => LoggingConfigurationSummary[];
  /** A room was changed or deleted: the list should show it. */
  changed: () => void;
  closed: () => void;
}

/** One room: its settings, edit, tags, delete, and its live view (kept across edits). */
export class RoomView {
  private live: LiveRoom | undefined;
  private room: GetRoomCommandOutput | undefined;

  constructor(private readonly ctx: RoomViewContext) {}

  get roomArn(): string | undefined {
    return this.room?.arn;
  }

  async open(roomArn: string): Promise<void> {
    const room = await attempt('Opening the room', () => this.ctx.client().send(new GetRoomCommand({ identifier: roomArn })));
    if (!room) return;
    if (room.arn !== this.room?.arn) {
      this.live?.dispose();
      this.live = new LiveRoom(this.ctx, room.arn ?? '');
    }
    this.room = room;
    await this.render();
    byId('room-heading').focus();
  }

  close(): void {
    this.live?.dispose();
    this.live = undefined;
    this.room = undefined;
    byId('room-content').hidden = true;
    byId('room-empty').hidden = false;
    this.ctx.closed();
  }

  private async render(): Promise<void> {
    const room = this.room as GetRoomCommandOutput;
    const tags =
      (await attempt('Reading tags', () => this.ctx.client().send(new ListTagsForResourceCommand({ resourceArn: room.arn }))))?.tags ??
      room.tags ??
      {};
    const content = byId('room-content');
    const edit = h('form', { id: 'edit-form', class: 'stack' });
    renderRoomForm(edit, { room, loggingConfigurations: this.ctx.loggingConfigurations(), submitLabel: 'Save changes' });
    edit.addEventListener('submit', (e) => {
      e.preventDefault();
      void attempt('Saving the room', async () => {
        const fields = readRoomForm(edit);
        this.room = await this.ctx.client().send(
          new UpdateRoomCommand({
            identifier: room.arn,
            name: fields.name,
            maximumMessageRatePerSecond: fields.maximumMessageRatePerSecond,
            maximumMessageLength: fields.maximumMessageLength,
            // An empty uri removes the handler; an empty list removes every logging configuration.
            messageReviewHandler: fields.messageReviewHandler ?? { uri: '' },
            loggingConfigurationIdentifiers: fields.loggingConfigurationIdentifiers,
          }),
        );
        clearError();
        this.ctx.changed();
        await this.render();
        byId('room-heading').focus();
      });
    });

    const deleteButton = h('button', { type: 'button', class: 'danger', 'data-testid': 'delete-room-button' }, 'Delete room');
    let armed: number | undefined;
    deleteButton.addEventListener('click', () => {
      if (armed === undefined) {
        deleteButton.textContent = 'Press again to delete';
        armed = window.setTimeout(() => {
          armed = undefined;
          deleteButton.textContent = 'Delete room';
        }, CONFIRM_MS);
        return;
      }
      window.clearTimeout(armed);
      void attempt('Deleting the room', async () => {
        await this.ctx.client().send(new DeleteRoomCommand({ identifier: room.arn }));
        clearError();
        this.close();
        this.ctx.changed();
      });
    });

    content.replaceChildren();
    append(
      content,
      h(
        'div',
        { class: 'room-head' },
        h('h2', { id: 'room-heading', tabindex: -1 }, room.name || room.id || ''),
        h('button', { type: 'button', class: 'quiet', onclick: () => this.close() }, 'Close'),
      ),
      h(
        'dl',
        { class: 'facts' },
        ...fact('ARN', h('code', {}, room.arn ?? '')),
        ...fact('Messages per second', String(room.maximumMessageRatePerSecond ?? '')),
        ...fact('Message length', String(room.maximumMessageLength ?? '')),
        ...fact(
          'Review handler',
          room.messageReviewHandler?.uri
            ? `${room.messageReviewHandler.uri} (on failure: ${room.messageReviewHandler.fallbackResult})`
            : 'none',
        ),
        ...fact(
          'Logging',
          room.loggingConfigurationIdentifiers?.length
            ? room.loggingConfigurationIdentifiers.map((arn) => this.loggingName(arn)).join(', ')
            : 'none',
        ),
        ...fact('Created', room.createTime?.toLocaleString() ?? ''),
        ...fact('Updated', room.updateTime?.toLocaleString() ?? ''),
      ),
      this.live?.element ?? null,
      h('details', { class: 'edit' }, h('summary', {}, 'Edit room'), edit),
      this.tagsEditor(room.arn ?? '', tags),
      h('div', { class: 'row end' }, deleteButton),
    );
    content.hidden = false;
    byId('room-empty').hidden = true;
  }

  /** A logging configuration by its name when it has one (the room holds ARNs). */
  private loggingName(arn: string): string {
    return this.ctx.loggingConfigurations().find((c) => c.arn === arn)?.name || arn;
  }

  private tagsEditor(arn: string, tags: Record<string, string>): HTMLElement {
    const entries = Object.entries(tags);
    const add = h(
      'form',
      { class: 'row', 'aria-label': 'Add a tag' },
      labelled('Key', h('input', { name: 'key', required: true, maxlength: 128 })),
      labelled('Value', h('input', { name: 'value', maxlength: 256 })),
      h('button', { type: 'submit' }, 'Add tag'),
    );
    const refresh = async () => {
      this.room = (await this.ctx.client().send(new GetRoomCommand({ identifier: arn }))) ?? this.room;
      await this.render();
    };
    add.addEventListener('submit', (e) => {
      e.preventDefault();
      void attempt('Tagging the room', async () => {
        await this.ctx.client().send(new TagResourceCommand({ resourceArn: arn, tags: { [field(add, 'key')]: field(add, 'value') } }));
        clearError();
        await refresh();
        this.ctx.changed();
      });
    });
    return h(
      'details',
      { class: 'tags', open: entries.length > 0 },
      h('summary', {}, `Tags (${entries.length})`),
      entries.length
        ? h(
            'ul',
            { class: 'tag-list' },
            ...entries.map(([key, value]) =>
              h(
                'li',
                {},
                h('code', {}, `${key}=${value}`),
                ' ',
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'quiet small',
                    'aria-label': `Remove tag ${key}`,
                    onclick: () =>
                      void attempt('Removing a tag', async () => {
                        await this.ctx.client().send(new UntagResourceCommand({ resourceArn: arn, tagKeys: [key] }));
                        clearError();
                        await refresh();
                      }),
                  },
                  'Remove',
                ),
              ),
            ),
          )
        : h('p', { class: 'hint' }, 'No tags.'),
      add,
    );
  }
}

function fact(term: string, value: Node | string): HTMLElement[] {
  return [h('dt', {}, term), h('dd', {}, value)];
}
