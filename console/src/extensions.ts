import type { GetRoomPresenceOutput, IvschatExtensionsClient, ListBansOutput } from '../../lib/client/extensions';
import { attempt, clearError } from './api';
import { field, h, labelled, setText } from './dom';
import { describeError, isClientError, time } from './text';

/**
 * Presence polls GetRoomPresence this often while the room is open: IVS has no join events, and
 * the call reads every connection key of the room (docs/extensions.md asks for seconds, not per message).
 */
const PRESENCE_POLL_MS = 5_000;
/** A refresh asked for by an event waits this long, so that a burst of events costs one call. */
const PRESENCE_SETTLE_MS = 300;
/** The list shows this many users; the counts are over the whole room. */
const PRESENCE_PAGE = 50;
const BANS_PAGE = 50;

/**
 * Who is in the room now (the GetRoomPresence extension): counts of users and connections, and
 * the users, each with a Ban action. Polled while the room view is open, and refreshed at once when
 * something says it changed (this tab joined or left, a user was disconnected, a new sender spoke).
 */
export class PresencePanel {
  readonly element: HTMLElement;
  private readonly count: HTMLElement;
  private readonly countNoun: HTMLElement;
  private readonly connections: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly note: HTMLElement;
  private users = new Set<string>();
  private timer: number | undefined;
  private settle: number | undefined;
  private inFlight = false;
  private again = false;
  private stopped = false;

  constructor(
    private readonly extensions: () => IvschatExtensionsClient,
    private readonly roomArn: string,
    private readonly ban: (userId: string) => Promise<unknown>,
  ) {
    this.count = h('strong', { 'data-testid': 'presence-count' }, '–');
    this.countNoun = h('span', {}, 'users');
    this.connections = h('span', { class: 'hint' });
    this.note = h('p', { class: 'hint', 'data-testid': 'presence-note', 'aria-live': 'polite' });
    this.list = h('ul', { class: 'presence-list', 'data-testid': 'presence-list', 'aria-label': 'Users in the room' });
    this.element = h(
      'section',
      { class: 'presence', 'aria-labelledby': 'presence-heading' },
      h(
        'div',
        { class: 'presence-head' },
        h('h4', { id: 'presence-heading' }, 'Here now'),
        h('p', { class: 'presence-counts', role: 'status' }, this.count, ' ', this.countNoun, ' ', this.connections),
        h('button', { type: 'button', class: 'quiet small', onclick: () => this.refresh() }, 'Refresh'),
      ),
      this.list,
      this.note,
    );
    document.addEventListener('visibilitychange', this.onVisibility);
    this.poll();
  }

  /** Whether `userId` was in the room at the last look (a sender who is not was not here then). */
  has(userId: string): boolean {
    return this.users.has(userId);
  }

  /** A refresh soon: something just changed who is here. */
  changed(): void {
    window.clearTimeout(this.settle);
    this.settle = window.setTimeout(() => this.refresh(), PRESENCE_SETTLE_MS);
  }

  refresh(): void {
    if (this.stopped) return;
    // One call at a time; a refresh asked for meanwhile runs once it answers.
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = true;
    void this.extensions()
      .getRoomPresence({ roomIdentifier: this.roomArn, maxResults: PRESENCE_PAGE })
      .then(
        (presence) => this.render(presence),
        (err: unknown) => {
          setText(this.note, `Presence unavailable: ${describeError(err)}`);
          // The same question would get the same answer (no such room, no permission): stop polling
          // until a refresh (the button, or a change seen) gets an answer.
          if (isClientError(err)) {
            window.clearTimeout(this.timer);
            this.timer = undefined;
          }
        },
      )
      .finally(() => {
        this.inFlight = false;
        if (this.again) {
          this.again = false;
          this.refresh();
        }
      });
  }

  /** A tab in the background asks nothing; it looks again as soon as it is shown. */
  private readonly onVisibility = () => {
    if (!document.hidden) this.refresh();
  };

  private poll(): void {
    if (!document.hidden) this.refresh();
    this.timer = window.setTimeout(() => this.poll(), PRESENCE_POLL_MS);
  }

  private render(presence: GetRoomPresenceOutput): void {
    if (this.stopped) return;
    this.timer ??= window.setTimeout(() => this.poll(), PRESENCE_POLL_MS);
    this.users = new Set(presence.users.map((u) => u.userId));
    setText(this.count, String(presence.userCount));
    setText(this.countNoun, presence.userCount === 1 ? 'user' : 'users');
    setText(this.connections, `· ${presence.connectionCount} ${presence.connectionCount === 1 ? 'connection' : 'connections'}`);
    showUsers(
      this.list,
      'presence-user',
      presence.users.map((user) => ({
        userId: user.userId,
        hint: ` since ${time(new Date(user.connectedAt))}${user.connectionCount > 1 ? ` · ${user.connectionCount} connections` : ''}`,
      })),
      { label: 'Ban', testId: 'presence-ban-button', act: (userId) => void this.ban(userId) },
    );
    const more = presence.userCount - presence.users.length;
    setText(this.note, presence.userCount === 0 ? 'Nobody is connected.' : more > 0 ? `And ${more} more.` : '');
  }

  dispose(): void {
    this.stopped = true;
    document.removeEventListener('visibilitychange', this.onVisibility);
    window.clearTimeout(this.timer);
    window.clearTimeout(this.settle);
  }
}

/**
 * Bans (the BanUser, UnbanUser and ListBans extensions): a banned user is disconnected at once and
 * gets no chat token for the room until the ban ends or is lifted.
 */
export class BanPanel {
  readonly element: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly note: HTMLElement;

  constructor(
    private readonly extensions: () => IvschatExtensionsClient,
    private readonly roomArn: string,
    /** A ban or unban went through: who is here has changed. */
    private readonly changed: () => void,
  ) {
    const form = h(
      'form',
      { class: 'stack', 'aria-label': 'Ban a user' },
      h(
        'div',
        { class: 'row' },
        labelled('User id', h('input', { name: 'userId', required: true, maxlength: 128, 'data-testid': 'ban-user-input' })),
        labelled(
          'Minutes',
          h('input', {
            name: 'minutes',
            type: 'number',
            min: 1,
            max: 525_600,
            inputmode: 'numeric',
            'aria-describedby': 'ban-minutes-hint',
          }),
        ),
        labelled('Reason', h('input', { name: 'reason', maxlength: 256 })),
      ),
      h(
        'p',
        { class: 'hint', id: 'ban-minutes-hint' },
        'A banned user is disconnected at once and gets no chat token for this room; without minutes, until unbanned.',
      ),
      h('button', { type: 'submit', 'data-testid': 'ban-button' }, 'Ban user'),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const minutes = field(form, 'minutes');
      void this.ban(field(form, 'userId'), field(form, 'reason') || undefined, minutes ? Number(minutes) : undefined).then((done) => {
        if (done) form.reset();
      });
    });
    this.list = h('ul', { class: 'ban-list', 'data-testid': 'ban-list', 'aria-label': 'Bans in force' });
    this.note = h('p', { class: 'hint', 'aria-live': 'polite' });
    this.element = h('div', { class: 'bans' }, h('h4', {}, 'Bans'), form, this.list, this.note);
  }

  /** Resolves to whether the ban went through (a refusal is in the error banner). */
  async ban(userId: string, reason = 'banned in the console', durationInMinutes?: number): Promise<boolean> {
    const done = await attempt(`Banning ${userId}`, async () => {
      await this.extensions().banUser({ roomIdentifier: this.roomArn, userId, reason, durationInMinutes });
      clearError();
      return true;
    });
    this.changed();
    await this.refresh();
    return done === true;
  }

  async refresh(): Promise<void> {
    const result: ListBansOutput | undefined = await attempt('Listing bans', () =>
      this.extensions().listBans({ roomIdentifier: this.roomArn, maxResults: BANS_PAGE }),
    );
    if (!result) return;
    showUsers(
      this.list,
      'ban-item',
      result.bans.map((ban) => ({
        userId: ban.userId,
        hint:
          `${ban.reason ? ` · ${ban.reason}` : ''} · since ${time(new Date(ban.createTime))}` +
          (ban.expirationTime ? ` · until ${new Date(ban.expirationTime).toLocaleString()}` : ' · until unbanned'),
      })),
      { label: 'Unban', testId: 'unban-button', act: (userId) => void this.unban(userId) },
    );
    setText(this.note, !result.bans.length ? 'Nobody is banned.' : result.nextToken ? `Showing the newest ${BANS_PAGE}.` : '');
  }

  private async unban(userId: string): Promise<void> {
    await attempt(`Unbanning ${userId}`, async () => {
      await this.extensions().unbanUser({ roomIdentifier: this.roomArn, userId });
      clearError();
    });
    this.changed();
    await this.refresh();
  }
}

interface UserAction {
  label: string;
  testId: string;
  act: (userId: string) => void;
}

/**
 * Makes `list` show `users` in this order. The item of a user who stays is kept and its hint
 * updated in place, so that a refresh (presence polls every few seconds) never takes the focus from
 * a keyboard user's button.
 */
function showUsers(list: HTMLElement, testId: string, users: { userId: string; hint: string }[], action: UserAction): void {
  const wanted = new Set(users.map((u) => u.userId));
  const kept = new Map<string, HTMLElement>();
  for (const item of [...list.children] as HTMLElement[]) {
    const userId = item.dataset.userId;
    if (userId !== undefined && wanted.has(userId)) kept.set(userId, item);
    else item.remove();
  }
  let next: Element | null = list.firstElementChild;
  for (const user of users) {
    let item = kept.get(user.userId);
    if (item) {
      setText(item.querySelector('.hint') as HTMLElement, user.hint);
      if (item !== next) list.insertBefore(item, next);
    } else {
      item = userItem(testId, user.userId, user.hint, action);
      list.insertBefore(item, next);
    }
    next = item.nextElementSibling;
  }
}

/** One user in a list of users (here now, banned): who, a hint about them, and one action on them. */
function userItem(testId: string, userId: string, hint: string, action: UserAction): HTMLLIElement {
  return h(
    'li',
    { 'data-testid': testId, 'data-user-id': userId },
    h('span', { class: 'sender' }, userId),
    h('span', { class: 'hint' }, hint),
    h(
      'button',
      {
        type: 'button',
        class: 'quiet small',
        'data-testid': action.testId,
        'aria-label': `${action.label} ${userId}`,
        onclick: () => action.act(userId),
      },
      action.label,
    ),
  );
}
