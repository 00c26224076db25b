/** Two tenants (acme, globex) with real SQLite stores and folders, and a voicemail service over them. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteTenantStore } from '../../store/tenant-store.js';
import type { TenantContext } from '../../tenant/tenant-context.js';
import { tenantDir } from '../../store/tenant-id.js';
import { hashPin } from '../../tenant/voicemail-pin.js';
import type { VoicemailBoxRow } from '../../store/voicemail-table.js';
import { FakeClock } from '../../util/fake-clock.js';
import { memoryLogger } from '../../util/logger.js';
import { folderBytes } from '../../admin/folder-bytes.js';
import { voicemailApps, type VoicemailApps } from './voicemail-apps.js';
import type { VoicemailCounts, VoicemailMessageRow } from '../../store/voicemail-table.js';

export const PIN_1001 = hashPin('1234');
export const PIN_GLOBEX_1001 = hashPin('9999');

export interface Fixture {
  dataDir: string;
  clock: FakeClock;
  acme: TenantContext;
  globex: TenantContext;
  apps: VoicemailApps;
  logger: ReturnType<typeof memoryLogger>;
  authFailures: Array<{ source: string; fields: Record<string, unknown>; tenant?: string }>;
  messages: Array<{ tenant: string; box: string; message: VoicemailMessageRow }>;
  counts: Array<{ tenant: string; box: string; counts: VoicemailCounts }>;
  close(): void;
}

function ctx(store: SqliteTenantStore, id: string, limits: TenantContext['limits'] = {}): TenantContext {
  return { id, name: id, status: 'active', realm: `${id}.example`, domains: [`${id}.example`], limits, store };
}

export function box(b: Partial<VoicemailBoxRow> & { box: string }): VoicemailBoxRow {
  return { enabled: true, allowNoPinFromOwnPhone: false, ...b };
}

export function fixture(opts: { acmeLimits?: TenantContext['limits'] } = {}): Fixture {
  const dataDir = mkdtempSync(join(tmpdir(), 'pbx-vm-'));
  const clock = new FakeClock(Date.UTC(2026, 11, 7, 9, 30, 0));
  const sa = SqliteTenantStore.open(dataDir, 'acme');
  const sg = SqliteTenantStore.open(dataDir, 'globex');
  sa.voicemail.replaceBoxes([
    box({ box: '1001', ownerExt: '1001', pinHash: PIN_1001, allowNoPinFromOwnPhone: true, maxMessages: 3, maxSeconds: 60 }),
    box({ box: '1002', ownerExt: '1002', pinHash: hashPin('5555') }),
    box({ box: '800', name: 'Sales', pinHash: hashPin('8080'), members: ['1001'], operator: { type: 'extension', ext: '1002' } }),
  ]);
  sg.voicemail.replaceBoxes([box({ box: '1001', ownerExt: '1001', pinHash: PIN_GLOBEX_1001 }), box({ box: '700', pinHash: hashPin('7070') })]);
  const logger = memoryLogger('debug');
  const f: Fixture = {
    dataDir,
    clock,
    acme: ctx(sa, 'acme', opts.acmeLimits),
    globex: ctx(sg, 'globex'),
    logger,
    authFailures: [],
    messages: [],
    counts: [],
    apps: undefined as unknown as VoicemailApps,
    close() {
      sa.close();
      sg.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  f.apps = voicemailApps({
    dataDir,
    clock,
    logger,
    storageBytes: (t) => folderBytes(tenantDir(dataDir, t.id)),
    authFailures: { failed: (source, fields, tenant) => f.authFailures.push({ source, fields, ...(tenant !== undefined ? { tenant } : {}) }) },
    onMessage: (t, b, message) => f.messages.push({ tenant: t.id, box: b, message }),
    onCountsChanged: (t, b, counts) => f.counts.push({ tenant: t.id, box: b, counts }),
  });
  return f;
}
