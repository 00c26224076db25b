/**
 * Our prompt ids → file names (without .wav) in Asterisk's core sound set, so that an operator
 * can point `media.prompts` at Debian's asterisk-core-sounds-en-wav (/usr/share/asterisk/sounds/en,
 * CC BY-SA 3.0, Allison Smith's voice) and hear it wherever it says the same thing.
 *
 * Only prompts that mean the same are mapped. Menus are not ("press 1 to ..."): Asterisk's
 * menus name Asterisk's keys, which are not ours, and a caller told the wrong key is worse off
 * than one who hears two voices. What is not mapped (or is missing from the operator's folder)
 * falls back to the built-in set. prompt-path.ts tries `<id>.wav` in the operator's folder
 * first, so a folder laid out with our ids works as well.
 */
import type { PromptId } from './prompt-catalog.js';

const numbers: Partial<Record<PromptId, string>> = {};
for (let n = 0; n <= 20; n++) numbers[`num-${n}` as PromptId] = `digits/${n}`;
for (let n = 30; n <= 90; n += 10) numbers[`num-${n}` as PromptId] = `digits/${n}`;

export const ASTERISK_SOUND_NAMES: Readonly<Partial<Record<PromptId, string>>> = {
  ...numbers,
  'num-hundred': 'digits/hundred',
  'num-thousand': 'digits/thousand',
  star: 'digits/star',
  pound: 'digits/pound',

  'vm-leave-message': 'vm-intro',
  'vm-the-person-at-extension': 'vm-theperson',
  'vm-is-not-available': 'vm-isunavail',
  'vm-is-busy': 'vm-isonphone',
  'vm-nobody-available': 'vm-nobodyavail',
  'vm-mailbox-full': 'vm-mailboxfull',
  'vm-enter-mailbox': 'vm-login',
  'vm-enter-password': 'vm-password',
  'vm-login-incorrect': 'vm-incorrect',
  'vm-you-have': 'vm-youhave',
  'vm-no': 'vm-no',
  'vm-new': 'vm-INBOX',
  'vm-saved': 'vm-Old',
  'vm-and': 'vm-and',
  'vm-message': 'vm-message',
  'vm-messages': 'vm-messages',
  'vm-no-more-messages': 'vm-nomore',
  'vm-first': 'vm-first',
  'vm-last': 'vm-last',
  'vm-message-saved': 'vm-msgsaved',
  'vm-message-deleted': 'vm-deleted',
  'vm-password-changed': 'vm-passchanged',
  'vm-too-short': 'vm-tooshort',

  extension: 'extension',
  'you-entered': 'you-entered',
  'invalid-option': 'pm-invalid-option',
  'invalid-extension': 'pbx-invalid',
  'please-try-again': 'please-try-again',
  goodbye: 'goodbye',
  'thank-you': 'auth-thankyou',
  'im-sorry': 'im-sorry',
  'one-moment-please': 'one-moment-please',
  'please-hold': 'pls-hold-while-try',
  'number-not-answering': 'number-not-answering',
  'cannot-complete': 'cannot-complete-as-dialed',
  'all-circuits-busy': 'all-circuits-busy-now',
  'feature-not-available': 'feature-not-avail-line',
  activated: 'activated',
  deactivated: 'de-activated',
  beep: 'beep',

  'conf-enter-number': 'conf-getconfno',
  'conf-enter-pin': 'conf-getpin',
  'conf-invalid-pin': 'conf-invalidpin',
  'conf-only-person': 'conf-onlyperson',
  'conf-there-are': 'conf-thereare',
  'conf-other-participants': 'conf-otherinparty',
  'conf-full': 'conf-full',
  'conf-locked': 'conf-locked',
  'conf-muted': 'conf-muted',
  'conf-unmuted': 'conf-unmuted',
  'conf-kicked': 'conf-kicked',
  'conf-join': 'confbridge-join',
  'conf-leave': 'confbridge-leave',

  'queue-all-busy': 'queue-periodic-announce',
  'queue-you-are-caller-number': 'queue-thereare',
  'queue-waiting': 'queue-callswaiting',
  'queue-you-are-next': 'queue-youarenext',
  'queue-hold-time': 'queue-holdtime',
  'queue-less-than': 'queue-less-than',
  'queue-thank-you': 'queue-thankyou',
  minute: 'minute',
  minutes: 'minutes',
  second: 'second',
  seconds: 'seconds',
};
