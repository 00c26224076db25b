/**
 * Listening to a box (issue 11, point 2): `own` (feature code voicemail, *97) is the box of
 * the calling extension, entered without a PIN when the caller authenticated as that
 * extension and the box allows it; `any` (voicemailAny, *98) asks for a box number, then
 * the PIN. A box is looked up ONLY in the call's tenant: another tenant's box number, a box
 * that does not exist, a wrong PIN and a locked box all get the same "login incorrect".
 *
 * Main menu: 1 play, 0 mailbox options, * help, # exit. While on a message: 5 repeat,
 * 4 previous, 6 next, 9 save, 7 delete, 2 call the sender back, 3 envelope (date, time,
 * caller). Options: 1 unavailable, 2 busy, 3 name, 4 temporary greeting, 5 change PIN,
 * 6 remove the temporary greeting, * back.
 */
import { mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AppChannel, CallApp, PlayOutcome } from '../app-channel.js';
import { sayDigits, sayMessageCounts, sayNumber, type PromptId } from '../../media/prompts/prompt-catalog.js';
import { hashPin, isValidPin, verifyPin } from '../../tenant/voicemail-pin.js';
import type { VoicemailBoxRow, VoicemailMessageRow } from '../../store/voicemail-table.js';
import type { AppDestination } from './app-destination.js';
import { isSilence } from './voicemail-level.js';
import { BOX_RE, type GreetingKind } from './voicemail-files.js';
import { MIN_MESSAGE_MS, type VoicemailService } from './voicemail-service.js';

const LOGIN_TRIES = 3;
const MENU_TIMEOUTS = 3;
const KEY_WAIT_MS = 8000;
const ENTRY = { firstMs: 10_000, interMs: 5000, terminators: '#' } as const;
const GREETING_MAX_MS = 120_000;

export class RetrievalApp implements CallApp {
  constructor(
    private readonly svc: VoicemailService,
    private readonly mode: 'own' | 'any',
  ) {}

  async run(ch: AppChannel): Promise<void> {
    try {
      if (!(await ch.answer())) return;
      const box = await this.login(ch);
      if (!box) {
        if (!ch.hungUp) {
          await ch.play(ch.prompts(['goodbye']));
          ch.hangup('voicemail-login');
        }
        return;
      }
      const s = new Session(this.svc, ch, box);
      await s.run();
      if (s.continued) return;
    } catch (e) {
      this.svc.d.logger.error('voicemail retrieval failed', { tenant: ch.tenant.id, callId: ch.callId, error: e });
    }
    if (!ch.hungUp) ch.hangup('voicemail-done');
  }

  private async login(ch: AppChannel): Promise<VoicemailBoxRow | undefined> {
    const t = ch.tenant;
    const source = ch.caller.ext ?? ch.caller.number ?? 'unknown';
    if (this.mode === 'own') {
      const number = ch.caller.ext === undefined ? undefined : this.svc.boxOfExtension(t, ch.caller.ext);
      const box = number === undefined ? undefined : this.svc.box(t, number);
      if (!box) {
        await ch.play(ch.prompts(['feature-not-available']));
        return undefined;
      }
      if (box.allowNoPinFromOwnPhone && ch.caller.ext === box.ownerExt && !this.svc.pins.locked(t.id, box.box)) return box;
      for (let i = 0; i < LOGIN_TRIES && !ch.hungUp; i++) {
        if (await this.checkPin(ch, box.box, box, source)) return box;
      }
      return undefined;
    }
    for (let i = 0; i < LOGIN_TRIES && !ch.hungUp; i++) {
      if ((await ch.play(ch.prompts(['vm-enter-mailbox']), { bargeIn: true })) === 'hangup') return undefined;
      const entered = await ch.readDigits({ max: 32, ...ENTRY });
      if (entered.hangup) return undefined;
      const number = entered.digits;
      // Only this tenant's boxes; a number that is no box is asked its PIN all the same.
      const box = BOX_RE.test(number) ? this.svc.box(t, number) : undefined;
      if (await this.checkPin(ch, number, box, source)) return box;
    }
    return undefined;
  }

  /** Asks the PIN; says "login incorrect" on any failure. */
  private async checkPin(ch: AppChannel, number: string, box: VoicemailBoxRow | undefined, source: string): Promise<boolean> {
    const t = ch.tenant;
    if ((await ch.play(ch.prompts(['vm-enter-password']), { bargeIn: true })) === 'hangup') return false;
    const pin = await ch.readDigits({ max: 16, ...ENTRY });
    if (pin.hangup) return false;
    const locked = box !== undefined && this.svc.pins.locked(t.id, box.box);
    if (box && !locked && verifyPin(pin.digits, box.pinHash)) {
      this.svc.pins.succeeded(t.id, box.box);
      return true;
    }
    if (box) this.svc.pinFailed(t, box.box, source);
    else this.svc.d.authFailures?.failed(source, { method: 'voicemail', detail: 'no such box', box: number.slice(0, 32) }, t.id);
    await ch.play(ch.prompts(['vm-login-incorrect']));
    return false;
  }
}

/** One logged-in caller's walk through a box. */
class Session {
  private list: VoicemailMessageRow[] = [];
  /** The call went on elsewhere (call back): the app must not hang it up. */
  continued = false;
  private index = 0;

  constructor(
    private readonly svc: VoicemailService,
    private readonly ch: AppChannel,
    private readonly box: VoicemailBoxRow,
  ) {}

  private reload(): void {
    const all = this.ch.tenant.store.voicemail.messages(this.box.box);
    // New messages first, each folder oldest first.
    this.list = [...all.filter((m) => m.folder === 'new'), ...all.filter((m) => m.folder === 'old')];
  }

  private say(ids: readonly PromptId[] | readonly string[], bargeIn = true): Promise<PlayOutcome> {
    return this.ch.play(this.ch.prompts(ids as string[]), { bargeIn });
  }

  /** One key: plays `menu` (barge-in), waits for a key; undefined on hang-up. '' on timeout. */
  private async key(menu: readonly string[]): Promise<string | undefined> {
    if ((await this.say(menu)) === 'hangup') return undefined;
    const r = await this.ch.readDigits({ max: 1, firstMs: KEY_WAIT_MS, interMs: 0 });
    return r.hangup ? undefined : r.digits;
  }

  async run(): Promise<void> {
    this.reload();
    const c = this.svc.counts(this.ch.tenant, this.box.box);
    if ((await this.say(sayMessageCounts({ new: c.new, saved: c.old }))) === 'hangup') return;
    let timeouts = 0;
    for (;;) {
      const k = await this.key(['vm-menu-main']);
      if (k === undefined || this.ch.hungUp || this.continued) return;
      if (k === '') {
        if (++timeouts >= MENU_TIMEOUTS) break;
        continue;
      }
      timeouts = 0;
      if (k === '#') break;
      if (k === '1') {
        this.reload();
        this.index = 0;
        if (this.list.length === 0) {
          if ((await this.say(['vm-no-messages'])) === 'hangup') return;
          continue;
        }
        if (!(await this.messages()) || this.continued) return;
      } else if (k === '0') {
        if (!(await this.options())) return;
      } else if (k !== '*') {
        if ((await this.say(['invalid-option'])) === 'hangup') return;
      }
    }
    await this.say(['goodbye'], false);
  }

  /** The message loop; false when the call is gone or continued elsewhere. */
  private async messages(): Promise<boolean> {
    let play = true;
    let timeouts = 0;
    for (;;) {
      const m = this.list[this.index];
      if (!m) {
        return (await this.say(['vm-no-more-messages'])) !== 'hangup';
      }
      if (play) {
        play = false;
        const intro = [...(this.index === 0 ? ['vm-first'] : this.index === this.list.length - 1 ? ['vm-last'] : []), 'vm-message', ...sayNumber(Math.min(this.index + 1, 999_999))];
        if ((await this.say(intro)) === 'hangup') return false;
        const out = await this.ch.play([this.svc.path(this.ch.tenant, m.file)], { bargeIn: true });
        if (out === 'hangup') return false;
        // Heard: it counts as read (mwi), unless the caller chose to keep it new elsewhere.
        this.svc.setFolder(this.ch.tenant, m, 'old');
        m.folder = 'old';
      }
      const k = await this.key(['vm-menu-message']);
      if (k === undefined || this.ch.hungUp) return false;
      if (k === '') {
        if (++timeouts >= MENU_TIMEOUTS) return true;
        continue;
      }
      timeouts = 0;
      switch (k) {
        case '5':
          play = true;
          break;
        case '4':
          if (this.index === 0) {
            if ((await this.say(['vm-first'])) === 'hangup') return false;
          } else {
            this.index--;
            play = true;
          }
          break;
        case '6':
          this.index++;
          play = true;
          break;
        case '9':
          this.svc.setFolder(this.ch.tenant, m, 'old');
          m.folder = 'old';
          if ((await this.say(['vm-message-saved'])) === 'hangup') return false;
          this.index++;
          play = true;
          break;
        case '7':
          this.svc.deleteMessage(this.ch.tenant, m);
          this.list.splice(this.index, 1);
          if ((await this.say(['vm-message-deleted'])) === 'hangup') return false;
          play = true;
          break;
        case '3':
          if ((await this.ch.play(this.envelope(m), { bargeIn: true })) === 'hangup') return false;
          break;
        case '2': {
          const d = this.callBack(m);
          if (!d) {
            if ((await this.say(['cannot-complete'])) === 'hangup') return false;
            break;
          }
          this.continued = true;
          this.ch.continueTo(d, { reason: 'voicemail-callback' });
          return false;
        }
        case '#':
        case '*':
          return true;
        default:
          if ((await this.say(['invalid-option'])) === 'hangup') return false;
      }
    }
  }

  /** Date (day of the month), time (hours, minutes) in the tenant's zone, and the caller's number. */
  private envelope(m: VoicemailMessageRow): string[] {
    const zone = this.svc.d.timeZoneOf?.(this.ch.tenant) ?? 'UTC';
    let parts: Record<string, number> = {};
    try {
      const f = new Intl.DateTimeFormat('en-US', { timeZone: zone, day: 'numeric', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' });
      parts = Object.fromEntries(f.formatToParts(new Date(m.receivedAt)).filter((p) => p.type !== 'literal').map((p) => [p.type, Number(p.value)]));
    } catch {
      const d = new Date(m.receivedAt);
      parts = { day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes() };
    }
    const ids: string[] = [...sayNumber(parts['day'] ?? 0), ...sayNumber(parts['hour'] ?? 0), ...sayNumber(parts['minute'] ?? 0)];
    const from = m.callerNumber?.replace(/^\+/, '');
    if (from && /^[0-9]{1,32}$/.test(from)) ids.push('extension', ...sayDigits(from));
    return this.ch.prompts(ids);
  }

  /** The sender as a destination of this tenant: its extension, else the number through the outbound routes. */
  private callBack(m: VoicemailMessageRow): AppDestination | undefined {
    const n = m.callerNumber;
    if (!n || !/^\+?[0-9]{1,32}$/.test(n)) return undefined;
    if (this.ch.tenant.store.getExtension(n)) return { type: 'extension', ext: n };
    return { type: 'number', number: n };
  }

  /** Greetings and the PIN; false when the call is gone. */
  private async options(): Promise<boolean> {
    const kinds: Record<string, GreetingKind> = { '1': 'unavailable', '2': 'busy', '3': 'name', '4': 'temporary' };
    let timeouts = 0;
    for (;;) {
      const k = await this.key(['vm-menu-options']);
      if (k === undefined || this.ch.hungUp) return false;
      if (k === '') {
        if (++timeouts >= MENU_TIMEOUTS) return true;
        continue;
      }
      timeouts = 0;
      if (k === '*' || k === '#') return true;
      const kind = kinds[k];
      if (kind) {
        if (!(await this.recordGreeting(kind))) return false;
      } else if (k === '5') {
        if (!(await this.changePin())) return false;
      } else if (k === '6') {
        this.svc.dropFile(this.svc.greetingPath(this.ch.tenant, this.box.box, 'temporary'));
        if ((await this.say(['vm-greeting-saved'])) === 'hangup') return false;
      } else if ((await this.say(['invalid-option'])) === 'hangup') return false;
    }
  }

  /** Records into a temp file next to the greeting and renames it over only when it is usable. */
  private async recordGreeting(kind: GreetingKind): Promise<boolean> {
    const t = this.ch.tenant;
    const room = this.svc.room(t, { ...this.box, maxMessages: Number.MAX_SAFE_INTEGER });
    if (!room.ok) return (await this.say(['vm-mailbox-full'])) !== 'hangup';
    if ((await this.say(['vm-record-after-tone'], false)) === 'hangup') return false;
    if ((await this.say(['beep'], false)) === 'hangup') return false;
    const target = this.svc.greetingPath(t, this.box.box, kind);
    const temp = `${target}.part`;
    this.svc.dropFile(temp);
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
    this.ch.flushDigits();
    const rec = await this.ch.record({ path: temp, maxMs: GREETING_MAX_MS, stopDigits: '#', quotaBytes: room.quotaBytes });
    if (rec.stoppedBy === 'hangup' || this.ch.hungUp) {
      this.svc.dropFile(temp);
      return false;
    }
    const silent = (this.svc.d.isSilence ?? isSilence)(temp);
    if (rec.durationMs < MIN_MESSAGE_MS || silent) {
      this.svc.dropFile(temp);
      return (await this.say(['vm-too-short'])) !== 'hangup';
    }
    renameSync(temp, target);
    return (await this.say(['vm-greeting-saved'])) !== 'hangup';
  }

  private async changePin(): Promise<boolean> {
    const read = async (): Promise<string | undefined> => {
      if ((await this.say(['vm-enter-password'])) === 'hangup') return undefined;
      const r = await this.ch.readDigits({ max: 16, ...ENTRY });
      return r.hangup ? undefined : r.digits;
    };
    const first = await read();
    if (first === undefined) return false;
    const second = isValidPin(first) ? await read() : '';
    if (second === undefined) return false;
    if (!isValidPin(first) || first !== second) return (await this.say(['invalid-option', 'please-try-again'])) !== 'hangup';
    this.ch.tenant.store.voicemail.setPinHash(this.box.box, hashPin(first));
    return (await this.say(['vm-password-changed'])) !== 'hangup';
  }
}
