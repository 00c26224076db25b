// The real server in the test's own process (PbxServer.start on a temp config), for tests
// that need to look inside it (its media controller, its conference rooms) while real phones
// talk to it over loopback: one UDP listener, a random RTP range, trusted loopback, and
// registrations written at once.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PbxServer } from '../../src/app/pbx-server.js';
import type { Clock } from '../../src/util/clock.js';
import type { Logger } from '../../src/util/logger.js';
import type { MailboxCounts } from '../../src/events/mailbox-counts.js';
import { tenantYaml, type TestTenant } from './pbx-process.js';
import { freePort } from './ports.js';
import { UdpPhone, type PhoneOptions } from './udp-phone.js';

export interface InProcessPbxOptions {
  /** Names the temp folder (pbx-<name>-…). */
  name: string;
  tenants: TestTenant[];
  logger: Logger;
  /** rtp.workers (default 1). */
  workers?: number;
  /** YAML lines appended to pbx.yaml. */
  extraYaml?: string;
  /** The environment the config's `${NAME}` are read from (default none). */
  env?: Record<string, string>;
  /** More keys of pbx.yaml's security map, e.g. 'tenantTrunkAllowedNetworks: [ "127.0.0.2/32" ]'. */
  security?: string;
  /** MWI counts instead of the voicemail service's (tests of the subscription machinery alone). */
  mailboxCounts?: MailboxCounts;
  /** The server's clock (PbxServerOptions.clock), e.g. a settable one with real timers. */
  clock?: Clock;
  /** More keys of pbx.yaml's sip map, e.g. 'threads: 2'. */
  sip?: string;
}

export class InProcessPbx {
  private readonly phones: UdpPhone[] = [];

  private constructor(
    readonly dir: string,
    readonly server: PbxServer,
    /** The SIP UDP port. */
    readonly port: number,
    /** The admin API's port (its token: <dir>/data/admin-token). */
    readonly apiPort: number,
  ) {}

  static async start(o: InProcessPbxOptions): Promise<InProcessPbx> {
    const dir = mkdtempSync(join(tmpdir(), `pbx-${o.name}-`));
    mkdirSync(join(dir, 'tenants'));
    const port = await freePort();
    const apiPort = await freePort();
    const rtpBase = 40000 + Math.floor(Math.random() * 200) * 100;
    writeFileSync(
      join(dir, 'pbx.yaml'),
      [
        'dataDir: data',
        `sip: { listen: [ "udp://127.0.0.1:${port}" ]${o.sip !== undefined ? `, ${o.sip}` : ''} }`,
        `api: { listen: "127.0.0.1:${apiPort}" }`,
        `rtp: { ports: ${rtpBase}-${rtpBase + 99}, workers: ${o.workers ?? 1} }`,
        `security: { trusted: [ "127.0.0.0/8" ], floodRate: 0${o.security !== undefined ? `, ${o.security}` : ''} }`,
        'registrar: { writeDelayMs: 0 }',
        ...(o.extraYaml !== undefined ? [o.extraYaml] : []),
      ].join('\n'),
    );
    for (const t of o.tenants) writeFileSync(join(dir, 'tenants', `${t.id}.yaml`), tenantYaml(t));
    const server = await PbxServer.start(join(dir, 'pbx.yaml'), { logger: o.logger, env: o.env ?? {}, ...(o.mailboxCounts ? { mailboxCounts: o.mailboxCounts } : {}), ...(o.clock ? { clock: o.clock } : {}) });
    return new InProcessPbx(dir, server, port, apiPort);
  }

  /** A phone of `tenant` (domain `<tenant>.example`, password `<tenant>-<user>-secret`), closed by stop(). */
  async phone(tenant: string, user: string, extra: Partial<PhoneOptions> = {}): Promise<UdpPhone> {
    const p = await UdpPhone.open({ user, domain: `${tenant}.example`, password: `${tenant}-${user}-secret`, server: { host: '127.0.0.1', port: this.port }, ...extra });
    this.phones.push(p);
    return p;
  }

  async stop(): Promise<void> {
    for (const p of this.phones) p.close();
    await this.server.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
