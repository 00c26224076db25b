/**
 * What a caller's keys mean in one menu: an option, an extension dialled directly, or
 * nothing (yet). Pure; the extensions are the channel's tenant's, so a number of another
 * tenant is simply not one.
 */
import type { FlowDestination } from '../../model/flow-destination.js';
import { matchesDirectDial, type IvrMenu } from '../../model/ivr-menu.js';

export interface KeyMatch {
  /** What the keys typed so far lead to, if they were the whole entry. */
  exact?: FlowDestination;
  /** More keys could still lead somewhere (wait for them). */
  more: boolean;
}

export class MenuKeys {
  private readonly keys: string[];

  /** `extensions`: the enabled extensions of the channel's tenant (used when directDial is on). */
  constructor(
    private readonly menu: IvrMenu,
    private readonly extensions: ReadonlySet<string>,
  ) {
    this.keys = Object.keys(menu.options);
  }

  /** The longest entry the menu can take. */
  get maxLength(): number {
    let n = Math.max(0, ...this.keys.map((k) => k.length));
    const dd = this.menu.directDial;
    if (typeof dd === 'string') n = Math.max(n, dd.length);
    else if (dd) n = Math.max(n, ...[...this.extensions].map((e) => e.length));
    return n;
  }

  match(typed: string): KeyMatch {
    const option = this.menu.options[typed];
    const exact = option ?? (this.isDirect(typed) ? ({ type: 'extension', ext: typed } as const) : undefined);
    const more = this.keys.some((k) => k.length > typed.length && k.startsWith(typed)) || this.directMayFollow(typed);
    return { ...(exact ? { exact } : {}), more };
  }

  private isDirect(typed: string): boolean {
    const dd = this.menu.directDial;
    if (dd === false || !this.extensions.has(typed)) return false;
    return dd === true || matchesDirectDial(dd, typed);
  }

  private directMayFollow(typed: string): boolean {
    const dd = this.menu.directDial;
    if (dd === false) return false;
    if (dd === true) return [...this.extensions].some((e) => e.length > typed.length && e.startsWith(typed));
    return typed.length < dd.length && matchesDirectDial(dd.slice(0, typed.length), typed);
  }
}
