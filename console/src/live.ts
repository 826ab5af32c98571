import {
  CreateChatTokenCommand,
  DeleteMessageCommand,
  DisconnectUserCommand,
  IvschatClient,
  SendEventCommand,
} from '@aws-sdk/client-ivschat';
import {
  ChatEvent,
  ChatLogger,
  ChatMessage,
  ChatRoom,
  DeleteMessageEvent,
  DeleteMessageRequest,
  DisconnectReason,
  DisconnectUserEvent,
  DisconnectUserRequest,
  SendMessageRequest,
} from 'amazon-ivs-chat-messaging';
import type { HistoryEvent, HistoryMessage, IvschatExtensionsClient } from '../../lib/client/extensions';
import { attempt, clearError, showError } from './api';
import { checked, field, h, labelled } from './dom';
import { BanPanel, PresencePanel } from './extensions';
import { describeError, formatPairs, isClientError, parsePairs, time } from './text';

const CAPABILITIES = ['SEND_MESSAGE', 'DELETE_MESSAGE', 'DISCONNECT_USER'] as const;
/** The list keeps this many entries; older ones are dropped so a busy room cannot grow the page without end. */
const MAX_ENTRIES = 500;
/** Reconnect delays after the official client gave up (it retries at once, three times): 1 s doubling to 15 s. */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 15_000;
/** Joining shows this many of the room's latest messages and events (ListMessages' largest page). */
const HISTORY_PAGE = 100;

/** The official client logs every frame at debug level; the page shows what matters itself. */
const quietLogger: ChatLogger = {
  debug: () => undefined,
  info: () => undefined,
  error: (...args: unknown[]) => console.warn(...args),
};

/** What the live view needs from the console: the two signed clients and where the messaging WebSocket is. */
export interface LiveContext {
  client: () => IvschatClient;
  extensions: () => IvschatExtensionsClient;
  wsUrl: () => string;
}

interface Join {
  userId: string;
  capabilities: string[];
  attributes: Record<string, string>;
  sessionDurationInMinutes?: number;
}

/**
 * A room's live view: join with a chat token from the control plane and the official ChatRoom, the
 * message list, the composer, and moderation both through the socket (the joined user's
 * capabilities) and through the control plane (the signing principal's IAM permissions). With
 * the extension operations: the room's history when joining (ListMessages), who is here
 * (GetRoomPresence) and bans (BanUser, UnbanUser, ListBans).
 */
export class LiveRoom {
  readonly element: HTMLElement;
  private room: ChatRoom | undefined;
  private join: Join | undefined;
  private retryMs = RETRY_FIRST_MS;
  private retryTimer: number | undefined;
  private disconnectedByModerator: DisconnectUserEvent | undefined;
  private lastTokenError: unknown;
  private readonly list: HTMLOListElement;
  private readonly status: HTMLElement;
  private readonly joinForm: HTMLFormElement;
  private readonly composer: HTMLFormElement;
  private readonly leaveButton: HTMLButtonElement;
  private readonly entries = new Map<string, HTMLLIElement>();
  private readonly presence: PresencePanel;
  private readonly bans: BanPanel;

  constructor(
    private readonly ctx: LiveContext,
    private readonly roomArn: string,
  ) {
    this.presence = new PresencePanel(ctx.extensions, roomArn, (userId) => this.bans.ban(userId));
    this.bans = new BanPanel(ctx.extensions, roomArn, () => this.presence.changed());
    this.joinForm = h(
      'form',
      { class: 'join stack', 'aria-label': 'Join the room' },
      h(
        'div',
        { class: 'row' },
        labelled(
          'User id',
          h('input', { name: 'userId', required: true, maxlength: 128, autocomplete: 'off', 'data-testid': 'join-user-input' }),
        ),
        labelled(
          'Session minutes',
          h('input', { name: 'duration', type: 'number', min: 1, max: 180, inputmode: 'numeric', placeholder: '60' }),
        ),
      ),
      h(
        'fieldset',
        { class: 'checks' },
        h('legend', {}, 'Capabilities'),
        ...CAPABILITIES.map((c) =>
          h(
            'label',
            { class: 'check' },
            h('input', {
              type: 'checkbox',
              name: 'capabilities',
              value: c,
              checked: c === 'SEND_MESSAGE',
              'data-testid': `capability-${c}`,
            }),
            ` ${c}`,
          ),
        ),
      ),
      labelled(
        'User attributes',
        h('textarea', { name: 'attributes', rows: 1, placeholder: 'displayName=Ada' }),
        'Optional, one key=value a line.',
      ),
      h('button', { type: 'submit', 'data-testid': 'join-button' }, 'Join'),
    );
    this.joinForm.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.start();
    });

    this.status = h('p', { class: 'status', 'data-testid': 'connection-status', 'aria-live': 'polite' }, 'Not joined.');
    this.leaveButton = h('button', { type: 'button', class: 'quiet', hidden: true, onclick: () => this.leave() }, 'Leave');
    this.list = h('ol', {
      class: 'messages',
      'data-testid': 'message-list',
      role: 'log',
      'aria-label': 'Messages and events',
      'aria-live': 'polite',
    });

    const messageInput = h('input', {
      name: 'content',
      required: true,
      maxlength: 500,
      autocomplete: 'off',
      'data-testid': 'message-input',
      disabled: true,
    });
    this.composer = h(
      'form',
      { class: 'composer', 'aria-label': 'Send a message' },
      h(
        'div',
        { class: 'row' },
        labelled('Message', messageInput),
        h('button', { type: 'submit', 'data-testid': 'send-button', disabled: true }, 'Send'),
      ),
      h(
        'details',
        {},
        h('summary', {}, 'Message attributes'),
        labelled('Attributes', h('textarea', { name: 'attributes', rows: 2, placeholder: 'color=blue' }), 'One key=value a line.'),
      ),
    );
    this.composer.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.send();
    });

    this.element = h(
      'section',
      { class: 'live', 'aria-labelledby': 'live-heading' },
      h('div', { class: 'live-head' }, h('h3', { id: 'live-heading' }, 'Live chat'), this.status, this.leaveButton),
      this.presence.element,
      this.joinForm,
      this.list,
      this.composer,
      this.moderation(),
    );
  }

  /** Asks the control plane for a chat token and connects; the client asks again on every reconnect. */
  private async start(): Promise<void> {
    let join: Join;
    try {
      const duration = field(this.joinForm, 'duration');
      join = {
        userId: field(this.joinForm, 'userId'),
        capabilities: checked(this.joinForm, 'capabilities'),
        attributes: parsePairs(field(this.joinForm, 'attributes')),
        sessionDurationInMinutes: duration ? Number(duration) : undefined,
      };
    } catch (err) {
      showError(err, 'Joining');
      return;
    }
    this.stopRoom();
    this.join = join;
    this.disconnectedByModerator = undefined;
    this.retryMs = RETRY_FIRST_MS;
    const room = new ChatRoom({ regionOrUrl: this.ctx.wsUrl(), tokenProvider: () => this.token(join) });
    room.logger = quietLogger;
    room.logLevel = 'error';
    // A room replaced or left may still report its own closing: only the current one speaks.
    const current =
      <A extends unknown[]>(listener: (...args: A) => void) =>
      (...args: A) => {
        if (this.room === room) listener(...args);
      };
    const onConnecting = current(() => this.setStatus(`Connecting as ${join.userId}…`));
    const onConnect = current(() => this.joined(join));
    const onDisconnect = current((reason: DisconnectReason) => this.disconnected(reason));
    const onMessage = current((m: ChatMessage) => this.addMessage(m));
    const onEvent = current((e: ChatEvent) => this.addEvent(e));
    const onMessageDelete = current((e: DeleteMessageEvent) => this.markDeleted(e));
    const onUserDisconnect = current((e: DisconnectUserEvent) => this.userDisconnected(e));
    room.addListener('connecting', onConnecting);
    room.addListener('connect', onConnect);
    room.addListener('disconnect', onDisconnect);
    room.addListener('message', onMessage);
    room.addListener('event', onEvent);
    room.addListener('messageDelete', onMessageDelete);
    room.addListener('userDisconnect', onUserDisconnect);
    this.room = room;
    this.joinForm.hidden = true;
    this.leaveButton.hidden = false;
    room.connect();
  }

  private async token(join: Join) {
    try {
      const t = await this.ctx.client().send(
        new CreateChatTokenCommand({
          roomIdentifier: this.roomArn,
          userId: join.userId,
          capabilities: join.capabilities as never,
          attributes: Object.keys(join.attributes).length ? join.attributes : undefined,
          sessionDurationInMinutes: join.sessionDurationInMinutes,
        }),
      );
      this.lastTokenError = undefined;
      return { token: t.token ?? '', tokenExpirationTime: t.tokenExpirationTime, sessionExpirationTime: t.sessionExpirationTime };
    } catch (err) {
      this.lastTokenError = err;
      throw err;
    }
  }

  private joined(join: Join): void {
    this.retryMs = RETRY_FIRST_MS;
    const caps = join.capabilities.length ? join.capabilities.join(', ') : 'read only';
    this.setStatus(`Connected as ${join.userId} (${caps}).`);
    this.setComposer(true);
    this.notice(`Joined as ${join.userId}.`);
    this.presence.changed();
    // On every connect, reconnects included: what was said while this tab was away fills in (entries are kept by id, once).
    void this.loadHistory();
  }

  /** The room's latest messages and events (ListMessages, newest first), placed by their send time. */
  private async loadHistory(): Promise<void> {
    let items: (HistoryMessage | HistoryEvent)[];
    try {
      ({ messages: items } = await this.ctx
        .extensions()
        .listMessages({ roomIdentifier: this.roomArn, maxResults: HISTORY_PAGE, includeEvents: true }));
    } catch (err) {
      this.notice(`History unavailable: ${describeError(err)}.`);
      return;
    }
    const earlier = items.filter((item) => !this.entries.has(item.Id)).reverse();
    for (const item of earlier) {
      const sendTime = new Date(item.SendTime);
      const attributes = item.Attributes ?? undefined;
      if (item.Type === 'MESSAGE') {
        const sender = { userId: item.Sender.UserId, attributes: item.Sender.Attributes };
        this.addMessage({ id: item.Id, content: item.Content, attributes, sendTime, sender }, true);
      } else this.addEvent({ id: item.Id, eventName: item.EventName, attributes, sendTime }, true);
    }
    const last = earlier.at(-1);
    if (last) {
      const what = earlier.length === 1 ? 'entry' : 'entries';
      this.notice(`Above: ${earlier.length} earlier ${what} from the room's history.`, { at: new Date(last.SendTime).getTime() });
    }
  }

  private disconnected(reason: DisconnectReason): void {
    this.setComposer(false);
    this.presence.changed();
    if (reason === 'clientDisconnect' || !this.join) return;
    if (this.disconnectedByModerator) {
      const reasonText = this.disconnectedByModerator.reason ? `: ${this.disconnectedByModerator.reason}` : '';
      this.ended(`You were disconnected by a moderator${reasonText}.`);
      return;
    }
    if (reason === 'fetchTokenError' && isClientError(this.lastTokenError)) {
      showError(this.lastTokenError, 'Getting a chat token');
      this.ended(`Could not get a chat token: ${describeError(this.lastTokenError)}.`);
      return;
    }
    // The server went away (a restart closes sockets with 1001) or cannot be reached: the official
    // client has already retried; keep trying, more slowly, until the user leaves.
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    this.setStatus(`Connection lost; reconnecting in ${Math.round(delay / 1000)} s…`);
    this.retryTimer = window.setTimeout(() => this.room?.connect(), delay);
  }

  /** The session is over; the join form comes back, filled in as before. */
  private ended(message: string): void {
    this.notice(message);
    this.setStatus(message);
    this.stopRoom();
    this.joinForm.hidden = false;
    this.leaveButton.hidden = true;
  }

  leave(): void {
    const wasJoined = this.join;
    this.join = undefined;
    this.stopRoom();
    this.joinForm.hidden = false;
    this.leaveButton.hidden = true;
    this.setComposer(false);
    this.setStatus('Not joined.');
    this.presence.changed();
    if (wasJoined) this.notice(`Left as ${wasJoined.userId}.`);
  }

  private stopRoom(): void {
    window.clearTimeout(this.retryTimer);
    const room = this.room;
    this.room = undefined;
    room?.disconnect();
  }

  private async send(): Promise<void> {
    const room = this.room;
    if (!room) return;
    const input = this.composer.elements.namedItem('content') as HTMLInputElement;
    try {
      const attributesText = field(this.composer, 'attributes');
      const attributes = attributesText ? parsePairs(attributesText) : undefined;
      await room.sendMessage(new SendMessageRequest(input.value, attributes));
      input.value = '';
      clearError();
    } catch (err) {
      showError(err, 'Sending a message');
    }
    input.focus();
  }

  private addMessage(message: ChatMessage, fromHistory = false): void {
    const attributes = Object.entries(message.attributes ?? {});
    const mine = message.sender.userId === this.join?.userId;
    // Someone who was not here at the last look is speaking: who is here has changed.
    if (!fromHistory && !this.presence.has(message.sender.userId)) this.presence.changed();
    const classes = ['message', mine ? 'mine' : '', fromHistory ? 'from-history' : ''].filter(Boolean).join(' ');
    const item = h(
      'li',
      { class: classes, 'data-testid': 'message-item', 'data-message-id': message.id },
      h(
        'div',
        { class: 'message-head' },
        h('span', { class: 'sender' }, message.sender.userId),
        ' ',
        h('time', { datetime: message.sendTime.toISOString() }, time(message.sendTime)),
        h('span', { class: 'message-id' }, ` · id ${message.id}`),
        fromHistory ? h('span', { class: 'history-tag' }, ' · history') : null,
      ),
      h('p', { class: 'content' }, message.content),
      attributes.length
        ? h(
            'details',
            { class: 'attributes' },
            h('summary', {}, `Attributes (${attributes.length})`),
            h('pre', {}, formatPairs(message.attributes)),
          )
        : null,
      Object.keys(message.sender.attributes ?? {}).length
        ? h('details', { class: 'attributes' }, h('summary', {}, 'Sender attributes'), h('pre', {}, formatPairs(message.sender.attributes)))
        : null,
      h(
        'div',
        { class: 'message-actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'quiet small',
            'data-testid': 'delete-message-button',
            'aria-label': `Delete message from ${message.sender.userId}`,
            onclick: () => void this.deleteMessage(message.id),
          },
          'Delete',
        ),
        mine
          ? null
          : h(
              'button',
              {
                type: 'button',
                class: 'quiet small',
                'data-testid': 'disconnect-user-button',
                'aria-label': `Disconnect ${message.sender.userId}`,
                onclick: () => void this.disconnectUser(message.sender.userId),
              },
              'Disconnect',
            ),
      ),
    );
    this.add(message.id, item, message.sendTime.getTime(), fromHistory);
  }

  private addEvent(event: ChatEvent, fromHistory = false): void {
    const attributes = Object.entries(event.attributes ?? {});
    this.add(
      event.id,
      h(
        'li',
        { class: 'event', 'data-testid': 'event-item' },
        h('span', { class: 'tag' }, 'Event'),
        ' ',
        h('strong', {}, event.eventName),
        ' ',
        h('time', { datetime: event.sendTime.toISOString() }, time(event.sendTime)),
        attributes.length ? h('span', { class: 'event-attributes' }, ' ', attributes.map(([k, v]) => `${k}=${v}`).join(', ')) : null,
      ),
      event.sendTime.getTime(),
      fromHistory,
    );
  }

  private markDeleted(event: DeleteMessageEvent): void {
    const item = this.entries.get(event.messageId);
    const why = `Deleted${event.reason ? `: ${event.reason}` : ''}`;
    // A message sent before this tab joined is not in the list: say so in a line of its own.
    if (!item) return this.notice(`A message was deleted${event.reason ? ` (${event.reason})` : ''}.`, { id: event.id });
    item.classList.add('deleted');
    item.dataset.deleted = 'true';
    const content = item.querySelector('.content');
    if (content && !content.querySelector('del')) content.replaceChildren(h('del', {}, content.textContent ?? ''));
    item.querySelector('.message-actions')?.remove();
    item.append(h('p', { class: 'why' }, why));
  }

  private userDisconnected(event: DisconnectUserEvent): void {
    if (event.userId === this.join?.userId) this.disconnectedByModerator = event;
    this.presence.changed();
    this.notice(`${event.userId} was disconnected${event.reason ? `: ${event.reason}` : ''}.`, { id: event.id });
  }

  /** A line of the page's own; `at` places it among the history (by send time) instead of at the end. */
  private notice(text: string, options: { id?: string; at?: number } = {}): void {
    const item = h('li', { class: 'notice', 'data-testid': 'notice-item' }, text);
    this.add(options.id ?? `notice-${crypto.randomUUID?.() ?? Math.random()}`, item, options.at ?? Date.now(), options.at !== undefined);
  }

  /**
   * Adds an entry once (by id). Live entries go at the end, in the order they arrive; history,
   * which may arrive after newer live messages, goes where its send time puts it.
   */
  private add(id: string, item: HTMLLIElement, at: number, byTime = false): void {
    if (this.entries.has(id)) return;
    this.entries.set(id, item);
    item.dataset.entryId = id;
    item.dataset.time = String(at);
    const atBottom = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 40;
    let before: Element | null = null;
    if (byTime)
      for (let el = this.list.lastElementChild; el instanceof HTMLElement && Number(el.dataset.time) > at; el = el.previousElementSibling)
        before = el;
    this.list.insertBefore(item, before);
    while (this.list.children.length > MAX_ENTRIES) {
      const oldest = this.list.firstElementChild as HTMLElement;
      this.entries.delete(oldest.dataset.entryId ?? '');
      oldest.remove();
    }
    if (atBottom) this.list.scrollTop = this.list.scrollHeight;
  }

  /** A request through the socket, under the joined user's capabilities; the server's refusal goes to the banner. */
  private async viaSocket(context: string, capability: string, request: (room: ChatRoom) => Promise<unknown>): Promise<void> {
    const room = this.room;
    if (!room) return showError(new Error(`join the room first (with ${capability}), or use Moderation below`), context);
    try {
      await request(room);
      clearError();
    } catch (err) {
      showError(err, context);
    }
  }

  private deleteMessage(id: string): Promise<void> {
    return this.viaSocket('Deleting a message', 'DELETE_MESSAGE', (room) =>
      room.deleteMessage(new DeleteMessageRequest(id, 'deleted in the console')),
    );
  }

  private disconnectUser(userId: string): Promise<void> {
    return this.viaSocket('Disconnecting a user', 'DISCONNECT_USER', (room) =>
      room.disconnectUser(new DisconnectUserRequest(userId, 'disconnected in the console')),
    );
  }

  private setStatus(text: string): void {
    this.status.textContent = text;
  }

  private setComposer(enabled: boolean): void {
    for (const el of this.composer.querySelectorAll<HTMLInputElement | HTMLButtonElement | HTMLTextAreaElement>('input, button, textarea'))
      el.disabled = !enabled;
    if (enabled) (this.composer.elements.namedItem('content') as HTMLInputElement).focus();
  }

  /** Control-plane moderation: signed with the console's credentials, no chat token needed. */
  private moderation(): HTMLElement {
    const sendEvent = h(
      'form',
      { class: 'stack', 'aria-label': 'Send an event' },
      h(
        'div',
        { class: 'row' },
        labelled('Event name', h('input', { name: 'eventName', required: true, maxlength: 100, 'data-testid': 'event-name-input' })),
        h('button', { type: 'submit', 'data-testid': 'send-event-button' }, 'Send event'),
      ),
      labelled(
        'Event attributes',
        h('textarea', { name: 'attributes', rows: 2, placeholder: 'stage=intermission' }),
        'One key=value a line.',
      ),
    );
    sendEvent.addEventListener('submit', (e) => {
      e.preventDefault();
      void attempt('Sending an event', async () => {
        const attributesText = field(sendEvent, 'attributes');
        await this.ctx.client().send(
          new SendEventCommand({
            roomIdentifier: this.roomArn,
            eventName: field(sendEvent, 'eventName'),
            attributes: attributesText ? parsePairs(attributesText) : undefined,
          }),
        );
        clearError();
      });
    });
    const disconnect = h(
      'form',
      { class: 'row', 'aria-label': 'Disconnect a user' },
      labelled('User id', h('input', { name: 'userId', required: true, maxlength: 128, 'data-testid': 'disconnect-user-input' })),
      labelled('Reason', h('input', { name: 'reason', maxlength: 256 })),
      h('button', { type: 'submit', 'data-testid': 'disconnect-submit' }, 'Disconnect user'),
    );
    disconnect.addEventListener('submit', (e) => {
      e.preventDefault();
      void attempt('Disconnecting a user', async () => {
        await this.ctx.client().send(
          new DisconnectUserCommand({
            roomIdentifier: this.roomArn,
            userId: field(disconnect, 'userId'),
            reason: field(disconnect, 'reason') || undefined,
          }),
        );
        clearError();
      });
    });
    const remove = h(
      'form',
      { class: 'row', 'aria-label': 'Delete a message by id' },
      labelled('Message id', h('input', { name: 'id', required: true, maxlength: 12 })),
      labelled('Reason', h('input', { name: 'reason', maxlength: 256 })),
      h('button', { type: 'submit' }, 'Delete message'),
    );
    remove.addEventListener('submit', (e) => {
      e.preventDefault();
      void attempt('Deleting a message', async () => {
        await this.ctx.client().send(
          new DeleteMessageCommand({
            roomIdentifier: this.roomArn,
            id: field(remove, 'id'),
            reason: field(remove, 'reason') || undefined,
          }),
        );
        clearError();
      });
    });
    const details = h(
      'details',
      { class: 'moderation' },
      h('summary', {}, 'Moderation (control plane)'),
      sendEvent,
      disconnect,
      remove,
      this.bans.element,
    );
    details.addEventListener('toggle', () => {
      if (details.open) void this.bans.refresh();
    });
    return details;
  }

  /** Leaving the room view: close the socket for good, stop watching who is here. */
  dispose(): void {
    this.join = undefined;
    this.stopRoom();
    this.presence.dispose();
  }
}
