// The PBX under test for bench/blf/run.mjs: the real server (PbxServer.start on a temp config,
// as test/support/in-process-pbx.ts does) in its own process, so its CPU and memory are its own.
// The bench's test hook: call-state changes arrive over the IPC channel and go into the server's
// ExtensionStates exactly as the B2BUA reports them (callLegs / callEnded); everything after
// that (the dialog package, the subscription manager, NOTIFY transactions, UDP) is the real path.
import { silentLogger } from '../../src/util/logger.js';
import { InProcessPbx } from '../../test/support/in-process-pbx.js';

const tenants = Number(process.argv[2] ?? 10);
const exts = Number(process.argv[3] ?? 100);

type Msg = { op: 'legs'; tenant: string; callId: string; ext: string; phase: 'early' | 'confirmed' } | { op: 'end'; tenant: string; callId: string } | { op: 'stop' };

const list = Array.from({ length: tenants }, (_, i) => ({
  id: `t${i}`,
  domains: [`t${i}.example`],
  limits: { extensions: exts },
  extensions: Array.from({ length: exts }, (_, j) => ({ ext: String(1000 + j), password: `t${i}-${1000 + j}-secret` })),
}));
const pbx = await InProcessPbx.start({
  name: 'bench-blf',
  tenants: list,
  logger: silentLogger,
  // Refreshes at half the expiry; the storm guard set well above what 2,000 subscribers need.
  extraYaml: 'subscriptions: { minExpires: 10, maxExpires: 3600, defaultExpires: 600, ratePerSecond: 500, burst: 1000, maxPerTenant: 5000 }',
});
const states = pbx.server.events.extensions;
process.on('message', (m: Msg) => {
  if (m.op === 'legs') states.callLegs(m.tenant, m.callId, [{ resource: m.ext, direction: 'recipient', phase: m.phase }]);
  else if (m.op === 'end') states.callEnded(m.tenant, m.callId);
  else if (m.op === 'stop') void pbx.stop().then(() => process.exit(0));
});
process.send!({ ready: true, port: pbx.port });
setInterval(() => process.send!({ subscriptions: pbx.server.events.subscriptions.size }), 1000).unref();
