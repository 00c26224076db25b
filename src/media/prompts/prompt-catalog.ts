/**
 * The prompt catalog: every prompt the applications (voicemail, IVR, conference, queues) may
 * ask the player for, by id, and how numbers and digit strings are spoken as sequences of
 * those ids. Pure data and functions: importable by the media worker and the main thread.
 *
 * An id is also the file's base name: `<id>.wav` in a tenant's prompts folder, in the
 * operator's set (`media.prompts`) and in the built-in set (media/prompts/en, what each says
 * is media/prompts/en/texts.json). Ids match PROMPT_NAME_RE (prompt-path.ts), so a tenant's
 * uploaded prompt may replace any of them, or add a name of its own.
 *
 * English numbers, American style: 105 is "one hundred five" (no "and"), 2016 is "two
 * thousand sixteen"; digits one by one ("one zero zero one") for extensions.
 */

/** Every prompt of the built-in set. */
export const PROMPT_IDS = [
  'num-0', 'num-1', 'num-2', 'num-3', 'num-4', 'num-5',
  'num-6', 'num-7', 'num-8', 'num-9', 'num-10', 'num-11',
  'num-12', 'num-13', 'num-14', 'num-15', 'num-16', 'num-17',
  'num-18', 'num-19', 'num-20', 'num-30', 'num-40', 'num-50',
  'num-60', 'num-70', 'num-80', 'num-90', 'num-hundred', 'num-thousand',
  'star', 'pound', 'vm-leave-message', 'vm-the-person-at-extension', 'vm-is-not-available', 'vm-is-busy',
  'vm-nobody-available', 'vm-mailbox-full', 'vm-enter-mailbox', 'vm-enter-password', 'vm-login-incorrect', 'vm-you-have',
  'vm-no', 'vm-new', 'vm-saved', 'vm-and', 'vm-message', 'vm-messages',
  'vm-no-messages', 'vm-no-more-messages', 'vm-first', 'vm-last', 'vm-menu-main', 'vm-menu-message',
  'vm-menu-options', 'vm-message-saved', 'vm-message-deleted', 'vm-record-after-tone', 'vm-greeting-saved', 'vm-password-changed',
  'vm-too-short', 'main-menu', 'welcome', 'thank-you-for-calling', 'enter-extension', 'extension',
  'you-entered', 'invalid-option', 'invalid-extension', 'please-try-again', 'goodbye', 'thank-you',
  'im-sorry', 'one-moment-please', 'please-hold', 'transferring', 'number-not-answering', 'cannot-complete',
  'all-circuits-busy', 'feature-not-available', 'activated', 'deactivated', 'call-recorded', 'recording-started',
  'recording-stopped', 'conf-enter-number', 'conf-enter-pin', 'conf-invalid-pin', 'conf-only-person', 'conf-there-are',
  'conf-other-participants', 'conf-full', 'conf-locked', 'conf-muted', 'conf-unmuted', 'conf-kicked',
  'queue-all-busy', 'queue-call-important', 'queue-you-are-caller-number', 'queue-waiting', 'queue-you-are-next', 'queue-hold-time',
  'queue-less-than', 'queue-thank-you', 'minute', 'minutes', 'second', 'seconds',
  'beep', 'conf-join', 'conf-leave',

] as const;

export type PromptId = (typeof PROMPT_IDS)[number];

const KNOWN: ReadonlySet<string> = new Set(PROMPT_IDS);

export function isPromptId(name: string): name is PromptId {
  return KNOWN.has(name);
}

/** The file name of a prompt in any prompt folder. */
export function promptFileName(name: string): string {
  return `${name}.wav`;
}

/** The largest number sayNumber speaks. */
export const MAX_SAID_NUMBER = 999_999;

const ONES: readonly PromptId[] = [
  'num-0', 'num-1', 'num-2', 'num-3', 'num-4', 'num-5', 'num-6', 'num-7', 'num-8', 'num-9',
  'num-10', 'num-11', 'num-12', 'num-13', 'num-14', 'num-15', 'num-16', 'num-17', 'num-18', 'num-19',
];
const TENS: readonly PromptId[] = ['num-0', 'num-10', 'num-20', 'num-30', 'num-40', 'num-50', 'num-60', 'num-70', 'num-80', 'num-90'];

/** 1-999 (0 says nothing: it is only ever a part). */
function underThousand(n: number, out: PromptId[]): void {
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  if (hundreds > 0) out.push(ONES[hundreds], 'num-hundred');
  if (rest === 0) return;
  if (rest < 20) out.push(ONES[rest]);
  else {
    out.push(TENS[Math.floor(rest / 10)]);
    if (rest % 10 !== 0) out.push(ONES[rest % 10]);
  }
}

/**
 * A whole number 0..999,999 as prompt ids: 0 "zero", 14 "fourteen", 42 "forty two",
 * 105 "one hundred five", 1200 "one thousand two hundred". RangeError otherwise.
 */
export function sayNumber(n: number): PromptId[] {
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_SAID_NUMBER) throw new RangeError(`sayNumber: ${n} is not a whole number 0..${MAX_SAID_NUMBER}`);
  if (n === 0) return ['num-0'];
  const out: PromptId[] = [];
  const thousands = Math.floor(n / 1000);
  if (thousands > 0) {
    underThousand(thousands, out);
    out.push('num-thousand');
  }
  underThousand(n % 1000, out);
  return out;
}

/** The longest digit string sayDigits speaks (an E.164 number is at most 15 digits). */
export const MAX_SAID_DIGITS = 32;

/**
 * A digit string one key at a time: "1001" is one zero zero one; '*' is star, '#' pound.
 * RangeError for any other character or a string longer than MAX_SAID_DIGITS.
 */
export function sayDigits(digits: string): PromptId[] {
  if (digits.length > MAX_SAID_DIGITS) throw new RangeError(`sayDigits: ${digits.length} characters (at most ${MAX_SAID_DIGITS})`);
  const out: PromptId[] = [];
  for (const c of digits) {
    if (c >= '0' && c <= '9') out.push(ONES[c.charCodeAt(0) - 48]);
    else if (c === '*') out.push('star');
    else if (c === '#') out.push('pound');
    else throw new RangeError(`sayDigits: '${c}' is not a key (0-9, *, #)`);
  }
  return out;
}

/**
 * "You have no messages", "you have one new message", "you have three new messages and one
 * saved message": what a voicemail box says on login.
 */
export function sayMessageCounts(counts: { new: number; saved: number }): PromptId[] {
  if (counts.new === 0 && counts.saved === 0) return ['vm-no-messages'];
  const part = (n: number, kind: PromptId): PromptId[] => [...sayNumber(n), kind, n === 1 ? 'vm-message' : 'vm-messages'];
  const out: PromptId[] = ['vm-you-have'];
  if (counts.new > 0) out.push(...part(counts.new, 'vm-new'));
  if (counts.new > 0 && counts.saved > 0) out.push('vm-and');
  if (counts.saved > 0) out.push(...part(counts.saved, 'vm-saved'));
  return out;
}
