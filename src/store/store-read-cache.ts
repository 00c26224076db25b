import type { BindingRow } from './binding-row.js';

/** Distinct settings keys or AORs kept before a cache starts over (a spray of unknown names cannot grow it). */
export const READ_CACHE_MAX = 20_000;

/**
 * What the SIP path reads of a tenant store on every registration and call (issue 13
 * point 1): settings rows (MWI modes, feature-code overrides, ...) and the committed
 * bindings of each AOR, kept in memory for the life of the connection. Absent rows are
 * cached too. The store tells it of every write on its connection (the note and forget methods) and
 * clears it when another connection committed (DataVersionWatch). Bindings are handed
 * out as copies: callers may change what they get.
 *
 * Bindings are kept as one JSON text per AOR, not as objects: a text costs about half the
 * heap of the row objects (issue 13 point 5: < 1 KiB per registered contact; the objects
 * took the branch's probe from 613 to 1,093 bytes), and parsing it is still far cheaper
 * than a query. The text holds only the fields that are set, as a read from SQLite does.
 */
export class StoreReadCache {
  private readonly settings = new Map<string, string | null>();
  private readonly bindings = new Map<string, string>();

  setting(key: string, load: () => string | undefined): string | undefined {
    const hit = this.settings.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const value = load();
    if (this.settings.size >= READ_CACHE_MAX) this.settings.clear();
    this.settings.set(key, value ?? null);
    return value;
  }

  noteSetting(key: string, value: string | undefined): void {
    if (this.settings.size >= READ_CACHE_MAX) this.settings.clear();
    this.settings.set(key, value ?? null);
  }

  forgetSettings(): void {
    this.settings.clear();
  }

  bindingsOf(aor: string, load: () => BindingRow[]): BindingRow[] {
    let text = this.bindings.get(aor);
    if (text === undefined) {
      text = JSON.stringify(load());
      if (this.bindings.size >= READ_CACHE_MAX) this.bindings.clear();
      this.bindings.set(aor, text);
    }
    return JSON.parse(text) as BindingRow[];
  }

  /** rows are now the committed bindings of aor. */
  noteBindings(aor: string, rows: readonly BindingRow[]): void {
    if (this.bindings.size >= READ_CACHE_MAX) this.bindings.clear();
    this.bindings.set(aor, JSON.stringify(rows));
  }

  forgetBindings(aor: string): void {
    this.bindings.delete(aor);
  }

  clear(): void {
    this.settings.clear();
    this.bindings.clear();
  }
}

export function copyBinding(b: BindingRow): BindingRow {
  const c: BindingRow = { ...b, source: { ...b.source } };
  if (b.path) c.path = [...b.path];
  return c;
}
