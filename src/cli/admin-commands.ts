/**
 * The CLI that mirrors the admin API for scripts (issue 5, item 7): `pbx tenant
 * list|show|create|suspend|resume|delete|restore-deleted`, `pbx ext list|add|passwd|rm`,
 * `pbx cdr list|csv`. Each goes through a running server's API, or works on the data
 * directory with the same routes when no server runs (see admin-target.ts).
 * Human-readable output by default, --json prints the API's answer. Exit codes:
 * 0 ok, 1 refused or failed (the API's code and message on stderr), 2 usage.
 * See README "Administering from the command line".
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { AdminClient, QueryValues } from '../app/admin-client.js';
import { inline, keyValues, list, seconds, table } from './admin-output.js';
import { adminCommand, collect, complain, intOption, runAdmin, say, usageExit, UsageError, type TargetOptions } from './admin-target.js';

const enc = encodeURIComponent;

type Obj = Record<string, unknown>;

const items = (json: unknown): Obj[] => ((json as { items?: Obj[] } | undefined)?.items ?? []);

function printJson(v: unknown): void {
  say(JSON.stringify(v, null, 2));
}

/** The `tenant` command group, shared with the data commands whoever registers first. */
function tenantGroup(program: Command): Command {
  return program.commands.find((c) => c.name() === 'tenant') ?? program.command('tenant').description('manage tenants');
}

// ---- tenants ---------------------------------------------------------------------------------

/** --limit calls=10 → { calls: 10 }; the API checks the names and ranges. */
function parseLimits(pairs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of pairs) {
    const m = /^([A-Za-z][A-Za-z0-9]*)=(\d+(?:\.\d+)?)$/.exec(p);
    if (!m) throw new UsageError(`--limit ${p}: write key=value with a number, e.g. --limit calls=10`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** --feature voicemail, --feature international=false → { voicemail: true, international: false }. */
function parseFeatures(names: readonly string[]): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const f of names) {
    const m = /^([A-Za-z][A-Za-z0-9]*)(?:=(true|false|on|off|yes|no))?$/.exec(f);
    if (!m) throw new UsageError(`--feature ${f}: write a name, or name=true|false`);
    out[m[1]!] = m[2] === undefined || ['true', 'on', 'yes'].includes(m[2]);
  }
  return out;
}

function tenantLines(t: Obj): string[] {
  return keyValues([
    ['id', t['id'] as string],
    ['name', t['name'] as string],
    ['status', t['status'] as string],
    ['managed by', t['managedBy'] as string],
    ['domains', list(t['domains'])],
    ['DIDs', list(t['dids'])],
    ['limits', inline(t['limits'])],
    ['features', inline(t['features'])],
    ...(t['deleteAfter'] ? [['delete after', new Date(t['deleteAfter'] as number).toISOString()] as const] : []),
    ['config rev', t['configRev'] as number],
    ['created', typeof t['createdAt'] === 'number' ? new Date(t['createdAt']).toISOString() : (t['createdAt'] as string)],
  ]);
}

function registerTenantCommands(program: Command): void {
  const tenant = tenantGroup(program);

  adminCommand(tenant.command('list'))
    .description('list tenants (through the API when a server runs, else on the data directory)')
    .option('--status <status>', 'only tenants with this status: active, suspended, disabled, deleted')
    .option('--json', "print the API's answer as JSON")
    .action((o: TargetOptions & { status?: string }) =>
      runAdmin(o, false, async (c) => {
        const r = await c.call('GET', '/tenants', { query: { status: o.status } });
        if (o.json) return printJson(r.json);
        const rows = items(r.json);
        for (const l of table(
          ['ID', 'STATUS', 'MANAGED', 'DOMAINS', 'DIDS', 'NAME'],
          rows.map((t) => [t['id'] as string, t['status'] as string, t['managedBy'] as string, list(t['domains']), list(t['dids']), t['name'] as string]),
        ))
          say(l);
      }),
    );

  adminCommand(tenant.command('show'))
    .argument('<id>', 'tenant id')
    .description('one tenant: status, domains, DIDs, limits, features')
    .option('--json', "print the API's answer as JSON")
    .action((id: string, o: TargetOptions) =>
      runAdmin(o, false, async (c) => {
        const r = await c.call('GET', `/tenants/${enc(id)}`);
        if (o.json) return printJson(r.json);
        for (const l of tenantLines(r.json as Obj)) say(l);
      }),
    );

  adminCommand(tenant.command('create'))
    .argument('<id>', 'tenant id (a-z, 0-9, -)')
    .description('create a tenant managed by the API (its configuration lives in its store, not in a YAML file)')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--domain <domain>', 'a SIP domain (repeat for more; the first is the digest realm)', collect)
    .option('--limit <key=value>', 'a limit: calls, extensions, storageMB, registrations, callsPerSecond, ... (repeat)', collect)
    .option('--feature <name[=bool]>', 'a feature flag: voicemail, ivr, recording, international (repeat)', collect)
    .option('--json', "print the API's answer as JSON")
    .action((id: string, o: TargetOptions & { name: string; domain: string[]; limit?: string[]; feature?: string[] }) =>
      runAdmin(o, true, async (c) => {
        const limits = o.limit ? parseLimits(o.limit) : undefined;
        const features = o.feature ? parseFeatures(o.feature) : undefined;
        const r = await c.call('POST', '/tenants', { body: { id, name: o.name, domains: o.domain, ...(limits ? { limits } : {}), ...(features ? { features } : {}) } });
        if (o.json) return printJson(r.json);
        say(`created tenant ${id}${c.mode === 'direct' ? ' (on the data directory; the server serves it at its next start)' : ''}`);
        for (const l of tenantLines(r.json as Obj)) say(`  ${l}`);
      }),
    );

  const transition = (name: 'suspend' | 'resume' | 'restore-deleted', description: string, done: string) =>
    adminCommand(tenant.command(name))
      .argument('<id>', 'tenant id')
      .description(description)
      .option('--json', "print the API's answer as JSON")
      .action((id: string, o: TargetOptions) =>
        runAdmin(o, true, async (c) => {
          const r = await c.call('POST', `/tenants/${enc(id)}/${name}`);
          if (o.json) return printJson(r.json);
          say(`tenant ${id} ${done} (status ${(r.json as Obj)['status'] as string})`);
        }),
      );
  transition('suspend', 'suspend a tenant: its phones can neither register nor call; all data is kept', 'suspended');
  transition('resume', 'resume a suspended tenant', 'resumed');
  transition('restore-deleted', 'undo a delete within its grace period', 'restored');

  adminCommand(tenant.command('delete'))
    .argument('<id>', 'tenant id')
    .description('delete an API-managed tenant: it stops at once, its data is removed after the grace period')
    .option('--grace-days <n>', 'days before its data is removed (default 7; 0: now)', intOption(0, 365))
    .option('--json', "print the API's answer as JSON")
    .action((id: string, o: TargetOptions & { graceDays?: number }) =>
      runAdmin(o, true, async (c) => {
        const r = await c.call('DELETE', `/tenants/${enc(id)}`, { query: { graceDays: o.graceDays } });
        if (o.json) return printJson(r.json);
        const after = (r.json as Obj)['deleteAfter'];
        say(`tenant ${id} deleted; ${o.graceDays === 0 ? 'its data is removed' : `its data is removed after ${typeof after === 'number' ? new Date(after).toISOString() : '-'} (pbx tenant restore-deleted ${id} undoes it until then)`}`);
      }),
    );
}

// ---- extensions ------------------------------------------------------------------------------

async function allExtensions(c: AdminClient, tenantId: string): Promise<{ items: Obj[]; total: number }> {
  const out: Obj[] = [];
  let after: string | undefined;
  let total = 0;
  for (;;) {
    const r = await c.call('GET', `/tenants/${enc(tenantId)}/extensions`, { query: { limit: 1000, after } });
    const j = r.json as { items: Obj[]; total: number; nextAfter: string | null };
    out.push(...j.items);
    total = j.total;
    if (!j.nextAfter) return { items: out, total };
    after = j.nextAfter;
  }
}

function printPassword(ext: string, password: unknown): void {
  if (typeof password === 'string') say(`password of ${ext}: ${password}  (generated; shown this once)`);
}

function registerExtCommands(program: Command): void {
  const ext = usageExit(program.command('ext').description("manage a tenant's extensions"));

  adminCommand(ext.command('list'))
    .argument('<tenant>', 'tenant id')
    .description("list a tenant's extensions")
    .option('--json', 'print { items, total } as JSON')
    .action((tenantId: string, o: TargetOptions) =>
      runAdmin(o, false, async (c) => {
        const r = await allExtensions(c, tenantId);
        if (o.json) return printJson(r);
        for (const l of table(
          ['EXT', 'NAME', 'ENABLED', 'CLASS', 'CALLER-ID', 'MAX-CONTACTS'],
          r.items.map((x) => [x['ext'] as string, x['name'] as string, x['enabled'] ? 'yes' : 'no', x['classOfService'] as string, x['callerId'] as string, x['maxContacts'] as number]),
        ))
          say(l);
      }),
    );

  adminCommand(ext.command('add'))
    .argument('<tenant>', 'tenant id')
    .argument('<ext>', 'extension number')
    .description('create an extension; without --password one is generated and printed once')
    .requiredOption('--name <name>', 'display name')
    .option('--password <password>', 'SIP password (default: generated, printed once)')
    .option('--class-of-service <class>', 'what it may dial outside: internal, local, national, international, premium')
    .option('--caller-id <e164>', 'outbound caller ID (E.164)')
    .option('--max-contacts <n>', 'registrations it may hold at once', intOption(1, 1000))
    .option('--disabled', 'create it disabled')
    .option('--json', "print the API's answer as JSON")
    .action((tenantId: string, number: string, o: TargetOptions & { name: string; password?: string; classOfService?: string; callerId?: string; maxContacts?: number; disabled?: boolean }) =>
      runAdmin(o, true, async (c) => {
        const body = {
          ext: number,
          name: o.name,
          ...(o.password !== undefined ? { password: o.password } : {}),
          ...(o.classOfService !== undefined ? { classOfService: o.classOfService } : {}),
          ...(o.callerId !== undefined ? { callerId: o.callerId } : {}),
          ...(o.maxContacts !== undefined ? { maxContacts: o.maxContacts } : {}),
          ...(o.disabled ? { enabled: false } : {}),
        };
        const r = await c.call('POST', `/tenants/${enc(tenantId)}/extensions`, { body });
        if (o.json) return printJson(r.json);
        const x = r.json as Obj;
        say(`created extension ${x['ext'] as string} (${x['name'] as string}) in tenant ${tenantId}; class of service ${x['classOfService'] as string}${x['enabled'] ? '' : ', disabled'}`);
        printPassword(x['ext'] as string, x['password']);
      }),
    );

  adminCommand(ext.command('passwd'))
    .argument('<tenant>', 'tenant id')
    .argument('<ext>', 'extension number')
    .description('set a new SIP password: the one given, or a generated one printed once')
    .option('--password <password>', 'the new password (default: generated, printed once)')
    .option('--json', "print the API's answer as JSON")
    .action((tenantId: string, number: string, o: TargetOptions & { password?: string }) =>
      runAdmin(o, true, async (c) => {
        const r = await c.call('POST', `/tenants/${enc(tenantId)}/extensions/${enc(number)}/password`, { body: o.password !== undefined ? { password: o.password } : {} });
        if (o.json) return printJson(r.json);
        const j = r.json as Obj;
        if (j['generated']) printPassword(number, j['password']);
        else say(`password of ${number} set`);
      }),
    );

  adminCommand(ext.command('rm'))
    .argument('<tenant>', 'tenant id')
    .argument('<ext>', 'extension number')
    .description('delete an extension and its registrations (refused while the routing names it)')
    .action((tenantId: string, number: string, o: TargetOptions) =>
      runAdmin(o, true, async (c) => {
        await c.call('DELETE', `/tenants/${enc(tenantId)}/extensions/${enc(number)}`);
        say(`deleted extension ${number} of tenant ${tenantId}`);
      }),
    );
}

// ---- call records ----------------------------------------------------------------------------

interface CdrFilterOptions {
  from?: string;
  to?: string;
  ext?: string;
  disposition?: string;
  direction?: string;
  order?: string;
}

function cdrFilterOptions(cmd: Command): Command {
  return cmd
    .option('--from <time>', 'started at or after (ISO 8601 or ms since the epoch)')
    .option('--to <time>', 'started before (ISO 8601 or ms since the epoch)')
    .option('--ext <ext>', 'calls this extension made or took')
    .option('--disposition <d>', 'answered, busy, no_answer, failed, cancelled, crashed')
    .option('--direction <d>', 'internal, inbound, outbound')
    .option('--order <order>', 'by start time: desc (newest first, default) or asc');
}

function cdrQuery(o: CdrFilterOptions): QueryValues {
  return { from: o.from, to: o.to, ext: o.ext, disposition: o.disposition, direction: o.direction, order: o.order };
}

const CDR_PAGE = 1000;

function registerCdrCommands(program: Command): void {
  const cdr = usageExit(program.command('cdr').description("a tenant's call records"));

  cdrFilterOptions(adminCommand(cdr.command('list')))
    .argument('<tenant>', 'tenant id')
    .description("list a tenant's call records, newest first")
    .option('--limit <n>', 'at most this many records (default 100)', intOption(1, 1_000_000))
    .option('--json', 'print { items, nextCursor } as JSON')
    .action((tenantId: string, o: TargetOptions & CdrFilterOptions & { limit?: number }) =>
      runAdmin(o, false, async (c) => {
        const want = o.limit ?? 100;
        const got: Obj[] = [];
        let cursor: string | undefined;
        let next: string | null = null;
        do {
          const r = await c.call('GET', `/tenants/${enc(tenantId)}/cdrs`, { query: { ...cdrQuery(o), limit: Math.min(CDR_PAGE, want - got.length), cursor } });
          const j = r.json as { items: Obj[]; nextCursor: string | null };
          got.push(...j.items);
          next = j.nextCursor;
          cursor = next ?? undefined;
        } while (next && got.length < want);
        if (o.json) return printJson({ items: got, nextCursor: next });
        for (const l of table(
          ['STARTED', 'DIRECTION', 'DISPOSITION', 'FROM', 'TO', 'DURATION', 'BILLABLE', 'HANGUP'],
          got.map((x) => [
            x['startedAt'] as string,
            x['direction'] as string,
            x['disposition'] as string,
            (x['fromExt'] ?? x['fromNumber'] ?? x['fromUri']) as string,
            (x['toExt'] ?? x['toNumber'] ?? x['toUri']) as string,
            seconds(x['durationMs']),
            `${x['billableS'] as number}s`,
            [x['hangupSide'], x['hangupCause']].filter(Boolean).join(' '),
          ]),
        ))
          say(l);
        if (next) complain(`(more records match: raise --limit to see them)`);
      }),
    );

  cdrFilterOptions(adminCommand(cdr.command('csv')))
    .argument('<tenant>', 'tenant id')
    .description("a tenant's call records as CSV (RFC 4180) on stdout")
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action((tenantId: string, o: TargetOptions & CdrFilterOptions & { output?: string }) =>
      runAdmin(o, false, async (c) => {
        const r = await c.call('GET', `/tenants/${enc(tenantId)}/cdrs.csv`, { query: cdrQuery(o) });
        const text = r.text ?? '';
        if (o.output) writeFileSync(o.output, text, { mode: 0o600 });
        else process.stdout.write(text);
        if (r.headers['x-truncated'] === 'true') complain('warning: more records matched than one export holds; narrow it with --from/--to');
      }),
    );
}

export function registerAdminCommands(program: Command): void {
  registerTenantCommands(program);
  registerExtCommands(program);
  registerCdrCommands(program);
}
