/**
 * Leaving a message (issue 11, point 2): the caller hears the box's greeting (the temporary
 * one, else busy or unavailable by the reason the call came here, else the system prompts
 * "the person at extension <digits> is busy / is not available"), "leave a message", a
 * beep, and is recorded until # (or the box's maxSeconds, or a hang-up); 0 during the
 * greeting or the recording goes on to the box's operator destination when it has one.
 * A full box or a full tenant hears "mailbox full" and nothing is recorded. What is kept,
 * and what dropped (under a second, silence only), is decided by VoicemailService.
 */
import type { AppChannel, CallApp, RecordResult } from '../app-channel.js';
import type { DepositReason } from '../call-apps.js';
import { sayDigits } from '../../media/prompts/prompt-catalog.js';
import type { VoicemailBoxRow } from '../../store/voicemail-table.js';
import { readDestination } from './app-destination.js';
import { DEFAULT_MAX_SECONDS, type VoicemailService } from './voicemail-service.js';

const GREETING_DIGIT_WAIT_MS = 0;

export class DepositApp implements CallApp {
  constructor(
    private readonly svc: VoicemailService,
    private readonly boxNumber: string,
    private readonly reason: DepositReason,
  ) {}

  async run(ch: AppChannel): Promise<void> {
    try {
      await this.deposit(ch);
    } catch (e) {
      this.svc.d.logger.error('voicemail deposit failed', { tenant: ch.tenant.id, box: this.boxNumber, callId: ch.callId, error: e });
      if (!ch.hungUp) ch.hangup('error');
    }
  }

  private async deposit(ch: AppChannel): Promise<void> {
    const t = ch.tenant;
    const box = this.svc.box(t, this.boxNumber);
    if (!box) {
      ch.hangup('no-box');
      return;
    }
    if (!(await ch.answer())) return;
    this.svc.d.logger.info('voicemail deposit', { tenant: t.id, box: box.box, reason: this.reason, callId: ch.callId });
    const room = this.svc.room(t, box);
    if (!room.ok) {
      this.svc.d.logger.info('voicemail deposit refused', { tenant: t.id, box: box.box, why: room.why });
      await ch.play(ch.prompts(['vm-mailbox-full', 'goodbye']));
      if (!ch.hungUp) ch.hangup(room.why);
      return;
    }
    const operator = readDestination(box.operator);
    ch.flushDigits();
    const greeting = await ch.play(this.greetingFiles(ch, box), { bargeIn: true });
    if (greeting === 'hangup' || ch.hungUp) return;
    if (greeting === 'interrupted') {
      const key = await ch.readDigits({ max: 1, firstMs: GREETING_DIGIT_WAIT_MS, interMs: 0 });
      if (key.hangup) return;
      if (key.digits === '0' && operator) {
        ch.continueTo(operator, { reason: 'voicemail-operator' });
        return;
      }
    }
    if ((await ch.play(ch.prompts(greeting === 'interrupted' ? ['beep'] : ['vm-leave-message', 'beep']))) === 'hangup' || ch.hungUp) return;
    ch.flushDigits();
    const { id, path } = this.svc.startDeposit(t, box.box, { ...(ch.caller.number !== undefined ? { number: ch.caller.number } : {}), ...(ch.caller.name !== undefined ? { name: ch.caller.name } : {}) });
    let rec: RecordResult;
    try {
      rec = await ch.record({ path, maxMs: (box.maxSeconds ?? DEFAULT_MAX_SECONDS) * 1000, stopDigits: operator ? '#0' : '#', quotaBytes: room.quotaBytes });
    } catch (e) {
      this.svc.d.logger.error('voicemail recording failed', { tenant: t.id, box: box.box, error: e });
      rec = { durationMs: 0, bytes: 0, stoppedBy: 'error' };
    }
    const kept = this.svc.finishDeposit(t, box.box, id, path, rec.durationMs);
    if (ch.hungUp || rec.stoppedBy === 'hangup') return;
    if (rec.stoppedBy === 'digit' && rec.digit === '0' && operator) {
      ch.continueTo(operator, { reason: 'voicemail-operator' });
      return;
    }
    await ch.play(ch.prompts(kept ? ['thank-you', 'goodbye'] : ['vm-too-short', 'goodbye']));
    if (!ch.hungUp) ch.hangup('voicemail-done');
  }

  /** The box's own greeting for this reason, else the system's sentence with the box number. */
  private greetingFiles(ch: AppChannel, box: VoicemailBoxRow): string[] {
    const t = ch.tenant;
    const temporary = this.svc.greeting(t, box.box, 'temporary');
    if (temporary) return [temporary];
    const own = this.svc.greeting(t, box.box, this.reason === 'busy' ? 'busy' : 'unavailable');
    if (own) return [own];
    const name = this.svc.greeting(t, box.box, 'name');
    const tail = this.reason === 'busy' ? 'vm-is-busy' : 'vm-is-not-available';
    if (name) return [name, ...ch.prompts([tail])];
    return ch.prompts(['vm-the-person-at-extension', ...sayDigits(box.box), tail]);
  }
}
