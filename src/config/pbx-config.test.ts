import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CidrSet } from '../util/cidr-set.js';
import { ConfigErrors } from '../util/errors.js';
import { OVERLOAD_CONFIG_DEFAULTS } from './overload-config.js';
import { parsePbxConfig } from './pbx-config.js';
import type { PbxConfig } from './types.js';

const FILE = '/etc/pbx/pbx.yaml';

function problems(text: string, env: Record<string, string> = {}, file = FILE): string[] {
  try {
    parsePbxConfig(text, file, env);
  } catch (err) {
    assert.instance(err, ConfigErrors);
    return (err as ConfigErrors).errors.map((e) => e.message);
  }
  assert.unreachable('no ConfigErrors thrown');
  return [];
}

const DEFAULTS: PbxConfig = {
  file: '/etc/pbx/pbx.yaml',
  dataDir: '/etc/data',
  tenantsDir: '/etc/pbx/tenants',
  sip: {
    listen: [
      { protocol: 'udp', host: '127.0.0.1', port: 5060 },
      { protocol: 'tcp', host: '127.0.0.1', port: 5060 },
    ],
    publicAddress: '127.0.0.1',
    timers: { t1: 500, t2: 4000, t4: 5000 },
    idleConnectionSeconds: 3700,
    maxConnectionsPerSource: 32,
    tcp: { maxConnections: 10_000, idleSeconds: 45, messageDeadlineSeconds: 30 },
    maxMessageBytes: 65535,
    trustedEdges: [],
    overload: OVERLOAD_CONFIG_DEFAULTS,
    threads: 'auto',
  },
  rtp: { address: '127.0.0.1', portMin: 20000, portMax: 29999, workers: 0 },
  api: { host: '127.0.0.1', port: 8080, uploadLimitMB: 20 },
  security: { trusted: [], floodRate: 300, floodBanSeconds: 300, admissionRate: 5000, authFailBan: { attempts: 10, windowSeconds: 60, banSeconds: 600 }, tenantTrunkPrivateNetworks: false, tenantTrunkAllowedNetworks: [] },
  registrar: { minExpires: 60, maxExpires: 3600, defaultExpires: 3600, maxContactsPerAor: 10, writeDelayMs: 500 },
  auth: { algorithms: ['MD5'], nonceTtlSeconds: 300 },
  trunks: [],
  emergencyNumbers: ['911', '112'],
  calls: { noAnswerSeconds: 30, drainSeconds: 30, perExtension: 4, rtpTimeoutSeconds: 60, sessionExpiresSeconds: 1800, checkpointSeconds: 2, maxForwardHops: 3 },
  log: { level: 'info', format: 'text' },
  dns: { timeoutMs: 2000, cacheMaxSeconds: 3600, blacklistSeconds: 60 },
  tenantStores: { maxOpen: 256, idleSeconds: 300 },
};

test('an empty file gives every default; paths resolve against the file directory', () => {
  assert.equal(parsePbxConfig('', FILE, {}), DEFAULTS);
  assert.equal(parsePbxConfig('# nothing set\n', FILE, {}), DEFAULTS);
});

test('a full file: every key read, addresses parsed, IPv6 unbracketed', () => {
  const text = `
dataDir: /var/lib/pbx
tenantsDir: ../tenants.d
sip:
  listen: [ "udp://[::1]:5070", "tcp://0.0.0.0:5070", "tls://PBX.Example:5061" ]
  publicAddress: "[2001:DB8::10]"
  userAgent: Acme PBX 1.0
  tls: { cert: certs/pbx.crt, key: /secure/pbx.key }
  timers: { t1: 250, t2: 2000, t4: 2500 }
  idleConnectionSeconds: 600
  maxConnectionsPerSource: 8
  tcp: { maxConnections: 500, idleSeconds: 20, messageDeadlineSeconds: 5 }
  maxMessageBytes: 8192
  trustedEdges: [ "192.0.2.1", "10.1.0.0/16" ]
rtp:
  address: 192.0.2.10
  ports: 30000-30999
  workers: 4
api:
  listen: "[::1]:9090"
  adminToken: s3cret
  uploadLimitMB: 5
security:
  trusted: [ 10.0.0.0/8, "2001:db8::/32", 192.0.2.1 ]
  floodRate: 0
  floodBanSeconds: 60
  admissionRate: 800
  authFailBan: { attempts: 3, windowSeconds: 30, banSeconds: 3600 }
registrar: { minExpires: 30, maxExpires: 7200, defaultExpires: 600, maxContactsPerAor: 5 }
auth: { algorithms: [ MD5 ], nonceTtlSeconds: 120 }
calls: { noAnswerSeconds: 45, drainSeconds: 0, perExtension: 2, rtpTimeoutSeconds: 90 }
log: { level: debug }
dns: { servers: [ "192.0.2.53", "[2001:db8::53]:5353" ], timeoutMs: 500, cacheMaxSeconds: 60, blacklistSeconds: 30 }
tenantStores: { maxOpen: 64, idleSeconds: 30 }
`;
  const expected: PbxConfig = {
    file: FILE,
    dataDir: '/var/lib/pbx',
    tenantsDir: '/etc/tenants.d',
    sip: {
      listen: [
        { protocol: 'udp', host: '::1', port: 5070 },
        { protocol: 'tcp', host: '0.0.0.0', port: 5070 },
        { protocol: 'tls', host: 'pbx.example', port: 5061 },
      ],
      publicAddress: '2001:db8::10',
      userAgent: 'Acme PBX 1.0',
      tls: { cert: '/etc/pbx/certs/pbx.crt', key: '/secure/pbx.key' },
      timers: { t1: 250, t2: 2000, t4: 2500 },
      idleConnectionSeconds: 600,
      maxConnectionsPerSource: 8,
      tcp: { maxConnections: 500, idleSeconds: 20, messageDeadlineSeconds: 5 },
      maxMessageBytes: 8192,
      trustedEdges: ["192.0.2.1", "10.1.0.0/16"],
      overload: OVERLOAD_CONFIG_DEFAULTS,
      threads: 'auto',
    },
    rtp: { address: '192.0.2.10', portMin: 30000, portMax: 30999, workers: 4 },
    api: { host: '::1', port: 9090, uploadLimitMB: 5, adminToken: 's3cret' },
    security: { trusted: ['10.0.0.0/8', '2001:db8::/32', '192.0.2.1'], floodRate: 0, floodBanSeconds: 60, admissionRate: 800, authFailBan: { attempts: 3, windowSeconds: 30, banSeconds: 3600 }, tenantTrunkPrivateNetworks: false, tenantTrunkAllowedNetworks: [] },
    registrar: { minExpires: 30, maxExpires: 7200, defaultExpires: 600, maxContactsPerAor: 5, writeDelayMs: 500 },
    auth: { algorithms: ['MD5'], nonceTtlSeconds: 120 },
    trunks: [],
    emergencyNumbers: ['911', '112'],
    calls: { noAnswerSeconds: 45, drainSeconds: 0, perExtension: 2, rtpTimeoutSeconds: 90, sessionExpiresSeconds: 1800, checkpointSeconds: 2, maxForwardHops: 3 },
    log: { level: 'debug', format: 'text' },
    dns: { servers: [{ address: '192.0.2.53', port: 53 }, { address: '2001:db8::53', port: 5353 }], timeoutMs: 500, cacheMaxSeconds: 60, blacklistSeconds: 30 },
    tenantStores: { maxOpen: 64, idleSeconds: 30 },
  };
  const c = parsePbxConfig(text, FILE, {});
  assert.equal(c, expected);
  // What the config accepts, the trusted-source set accepts too.
  assert.is(new CidrSet(c.security.trusted).contains('10.9.8.7'), true);
});

test('publicAddress defaults to the first listener host, rtp.address to publicAddress', () => {
  const a = parsePbxConfig('sip: { listen: [ "tcp://192.0.2.5:5060", "udp://127.0.0.1:5060" ] }', FILE, {});
  assert.is(a.sip.publicAddress, '192.0.2.5');
  assert.is(a.rtp.address, '192.0.2.5');
  const b = parsePbxConfig('sip: { publicAddress: pbx.example }', FILE, {});
  assert.is(b.rtp.address, 'pbx.example');
});

test('a relative file name keeps its own name in errors and resolves paths from its folder', () => {
  const c = parsePbxConfig('dataDir: data\n', 'config/pbx.yaml', {});
  assert.ok(c.file.endsWith('/config/pbx.yaml') && c.file.startsWith('/'), c.file);
  assert.is(c.dataDir, c.file.replace(/pbx\.yaml$/, 'data'));
  assert.equal(problems('dataDir: ""\n', {}, 'config/pbx.yaml'), ['config/pbx.yaml:1:10: dataDir: must not be empty']);
});

test('environment variables, with fallbacks; an empty adminToken means none', () => {
  const text = 'sip:\n  publicAddress: ${PUBLIC_IP}\napi:\n  listen: 127.0.0.1:${API_PORT:-8080}\n  adminToken: ${PBX_ADMIN_TOKEN:-}\n';
  const a = parsePbxConfig(text, FILE, { PUBLIC_IP: '198.51.100.7', PBX_ADMIN_TOKEN: 'tok' });
  assert.equal([a.sip.publicAddress, a.api.port, a.api.adminToken], ['198.51.100.7', 8080, 'tok']);
  const b = parsePbxConfig(text, FILE, { PUBLIC_IP: '198.51.100.7', API_PORT: '9000' });
  assert.equal([b.api.port, 'adminToken' in b.api], [9000, false]);
  assert.equal(problems(text, {}), ['/etc/pbx/pbx.yaml:2:18: sip.publicAddress: environment variable PUBLIC_IP is not set']);
  const c = parsePbxConfig('rtp: { workers: "${WORKERS}" }\n', FILE, { WORKERS: '3' });
  assert.is(c.rtp.workers, 3);
});

test('${NAME} expands only in the documented keys: a provider trunk password does, userAgent does not', () => {
  const text = [
    'sip: { userAgent: "${PBX_ADMIN_TOKEN}" }',
    'trunks:',
    '  - { name: carrier, kind: register, host: sip.carrier.example, username: "${U}", password: "${P}" }',
  ].join('\n');
  const c = parsePbxConfig(text, FILE, { PBX_ADMIN_TOKEN: 'tok', U: 'user', P: 'secret' });
  assert.equal([c.sip.userAgent, c.trunks[0]!.username, c.trunks[0]!.password], ['${PBX_ADMIN_TOKEN}', 'user', 'secret']);
});

test('unknown keys at each level, with suggestions', () => {
  const text = ['tenantDir: x', 'sip:', '  lisen: [ "udp://127.0.0.1:5060" ]', '  timers: { T1: 100 }', 'securty: {}', 'auth:', '  nonceTTL: 5'].join('\n');
  assert.equal(problems(text), [
    "/etc/pbx/pbx.yaml:1:1: tenantDir: unknown key (did you mean 'tenantsDir'?)",
    "/etc/pbx/pbx.yaml:3:3: sip.lisen: unknown key (did you mean 'listen'?)",
    "/etc/pbx/pbx.yaml:4:13: sip.timers.T1: unknown key (did you mean 't1'?)",
    "/etc/pbx/pbx.yaml:5:1: securty: unknown key (did you mean 'security'?)",
    "/etc/pbx/pbx.yaml:7:3: auth.nonceTTL: unknown key (did you mean 'nonceTtlSeconds'?)",
  ]);
});

test('sip: bad listeners are placed at their list item', () => {
  const text = [
    'sip:',
    '  listen:',
    '    - udp://127.0.0.1:5060',
    '    - sctp://127.0.0.1:8088',
    '    - tcp://127.0.0.1',
    '    - udp://127.0.0.1:5060',
    '    - udp://::1:5060',
    '    - tcp://999.1.1.1:5060',
  ].join('\n');
  assert.equal(problems(text), [
    "/etc/pbx/pbx.yaml:4:7: sip.listen[1]: unknown protocol 'sctp' (use udp, tcp, tls, ws or wss)",
    "/etc/pbx/pbx.yaml:5:7: sip.listen[2]: '127.0.0.1' has no port (write host:port)",
    "/etc/pbx/pbx.yaml:6:7: sip.listen[3]: duplicate listener 'udp://127.0.0.1:5060' (first at line 3)",
    "/etc/pbx/pbx.yaml:7:7: sip.listen[4]: '::1:5060': write an IPv6 address in brackets, e.g. [::1]:5060",
    "/etc/pbx/pbx.yaml:8:7: sip.listen[5]: '999.1.1.1' is not an IP address or host name",
  ]);
  assert.equal(problems('sip: { listen: [] }'), ['/etc/pbx/pbx.yaml:1:16: sip.listen: must not be empty']);
});

test('sip: a tls:// listener needs sip.tls; cert and key both', () => {
  const listen = 'sip:\n  listen:\n    - udp://127.0.0.1:5060\n    - tls://127.0.0.1:5061\n';
  assert.equal(problems(listen), ['/etc/pbx/pbx.yaml:4:7: sip.listen[1]: a tls:// listener needs sip.tls.cert and sip.tls.key']);
  assert.equal(problems(listen + '  tls:\n    cert: a.crt\n'), ['/etc/pbx/pbx.yaml:6:5: sip.tls.key: required key is missing']);
  const wss = 'sip:\n  listen:\n    - udp://127.0.0.1:5060\n    - ws://127.0.0.1:5066\n    - wss://127.0.0.1:7443\n';
  assert.equal(problems(wss), ['/etc/pbx/pbx.yaml:5:7: sip.listen[2]: a wss:// listener needs sip.tls.cert and sip.tls.key']);
  const ok = parsePbxConfig(listen + '  tls: { cert: a.crt, key: a.key }\n', FILE, {});
  assert.equal(ok.sip.tls, { cert: '/etc/pbx/a.crt', key: '/etc/pbx/a.key' });
  // sip.tls without a tls:// listener is allowed (kept for when one is added).
  assert.equal(parsePbxConfig('sip: { tls: { cert: a.crt, key: a.key } }', FILE, {}).sip.tls, { cert: '/etc/pbx/a.crt', key: '/etc/pbx/a.key' });
});

test('calls.maxForwardHops: default 3, 0 to 10, file:line:col otherwise', () => {
  assert.is(parsePbxConfig('calls: { maxForwardHops: 0 }', FILE, {}).calls.maxForwardHops, 0);
  assert.is(parsePbxConfig('dataDir: d', FILE, {}).calls.maxForwardHops, 3);
  assert.equal(problems('calls:\n  maxForwardHops: 11\n'), ['/etc/pbx/pbx.yaml:2:19: calls.maxForwardHops: must be between 0 and 10, got 11']);
});

test('sip: a wildcard first listener needs an explicit publicAddress', () => {
  const text = 'sip:\n  listen: [ "udp://0.0.0.0:5060" ]\n';
  assert.equal(problems(text), ['/etc/pbx/pbx.yaml:2:13: sip.listen[0]: listens on every address, so sip.publicAddress must be set']);
  assert.is(parsePbxConfig(text + '  publicAddress: 192.0.2.1\n', FILE, {}).sip.publicAddress, '192.0.2.1');
});

test('sip.tcp: connection limits are checked with file:line:col', () => {
  const text = ['sip:', '  tcp:', '    maxConnections: 0', '    idleSeconds: soon', '    messageDeadlineSeconds: 601'].join('\n');
  assert.equal(problems(text), [
    '/etc/pbx/pbx.yaml:3:21: sip.tcp.maxConnections: must be between 1 and 1000000, got 0',
    "/etc/pbx/pbx.yaml:4:18: sip.tcp.idleSeconds: expected an integer, got 'soon'",
    '/etc/pbx/pbx.yaml:5:29: sip.tcp.messageDeadlineSeconds: must be between 1 and 600, got 601',
  ]);
});

test('sip.overload: defaults, a threshold of 0 allowed (drain), order and ranges checked with file:line:col', () => {
  const ok = parsePbxConfig(['sip:', '  overload:', '    shedDelayMs: 0', '    retryAfterSeconds: 2', '    registerRetryAfterMaxSeconds: 9'].join('\n'), FILE, {});
  assert.equal(ok.sip.overload, { ...OVERLOAD_CONFIG_DEFAULTS, shedDelayMs: 0, retryAfterSeconds: 2, registerRetryAfterMaxSeconds: 9 });
  const text = ['sip:', '  overload:', '    shedDelayMs: 600', '    severeDelayMs: 500', '    maxQueuedMessages: 10', '    retryAfterSeconds: 20', '    registerRetryAfterMaxSeconds: 10', '    enabled: maybe'].join('\n');
  assert.equal(problems(text), [
    '/etc/pbx/pbx.yaml:5:24: sip.overload.maxQueuedMessages: must be between 100 and 1000000, got 10',
    "/etc/pbx/pbx.yaml:8:14: sip.overload.enabled: expected true or false, got 'maybe'",
  ]);
  const order = ['sip:', '  overload:', '    shedDelayMs: 600', '    severeDelayMs: 500', '    retryAfterSeconds: 20', '    registerRetryAfterMaxSeconds: 10'].join('\n');
  assert.equal(problems(order), [
    '/etc/pbx/pbx.yaml:4:20: sip.overload.severeDelayMs: must not be less than shedDelayMs (600)',
    '/etc/pbx/pbx.yaml:6:35: sip.overload.registerRetryAfterMaxSeconds: must not be less than retryAfterSeconds (20)',
  ]);
});

test('sip: numbers out of range, timers order, message size floor', () => {
  const text = ['sip:', '  timers:', '    t1: 1000', '    t2: 500', '    t4: 0', '  maxMessageBytes: 1024', '  idleConnectionSeconds: 0', '  maxConnectionsPerSource: many'].join('\n');
  assert.equal(problems(text), [
    '/etc/pbx/pbx.yaml:5:9: sip.timers.t4: must be between 1 and 600000, got 0',
    '/etc/pbx/pbx.yaml:6:20: sip.maxMessageBytes: must be between 4096 and 1048576, got 1024',
    '/etc/pbx/pbx.yaml:7:26: sip.idleConnectionSeconds: must be at least 1, got 0',
    "/etc/pbx/pbx.yaml:8:28: sip.maxConnectionsPerSource: expected an integer, got 'many'",
  ]);
  assert.equal(problems('sip: { timers: { t1: 1000, t2: 500 } }'), ['/etc/pbx/pbx.yaml:1:32: sip.timers.t2: must not be less than t1 (1000)']);
});

test('rtp: port ranges and workers', () => {
  assert.equal(problems('rtp: { ports: 30000-20000 }'), ['/etc/pbx/pbx.yaml:1:15: rtp.ports: the first port must be below the second, got 30000-20000']);
  assert.equal(problems('rtp: { ports: 1000-2000 }'), ['/etc/pbx/pbx.yaml:1:15: rtp.ports: ports must be between 1024 and 65535, got 1000-2000']);
  assert.equal(problems('rtp: { ports: 20000 }'), ['/etc/pbx/pbx.yaml:1:15: rtp.ports: expected a string, got 20000 (put it in quotes)']);
  assert.equal(problems('rtp: { ports: "20000:29999" }'), ["/etc/pbx/pbx.yaml:1:15: rtp.ports: '20000:29999' is not a port range like 20000-29999"]);
  assert.equal(problems('rtp:\n  workers: -1\n'), ['/etc/pbx/pbx.yaml:2:12: rtp.workers: must be between 0 and 256, got -1']);
  const odd = parsePbxConfig('rtp: { ports: 10001-10003 }', FILE, {});
  assert.equal([odd.rtp.portMin, odd.rtp.portMax], [10001, 10003]);
});

test('api: listen as host:port', () => {
  assert.equal(problems('api:\n  listen: 8080\n'), ['/etc/pbx/pbx.yaml:2:11: api.listen: expected a string, got 8080 (put it in quotes)']);
  assert.equal(problems('api:\n  listen: localhost\n'), ["/etc/pbx/pbx.yaml:2:11: api.listen: 'localhost' has no port (write host:port)"]);
  assert.equal(parsePbxConfig('api: { listen: "localhost:3000" }', FILE, {}).api, { host: 'localhost', port: 3000, uploadLimitMB: 20 });
  assert.equal(problems('api:\n  uploadLimitMB: 0\n').length, 1);
  assert.match(problems('api:\n  uploadLimitMB: 0\n')[0]!, /^\/etc\/pbx\/pbx\.yaml:2:18: api\.uploadLimitMB/);
});

test('security: trusted entries are checked one by one', () => {
  const text = ['security:', '  trusted:', '    - 10.0.0.0/8', '    - 10.0.0.0/40', '    - "fe80::/10"', '    - example.com', '    - 10.0.0.0/8', '  floodRate: -5', '  authFailBan: { attempts: 0 }', '  admissionRate: 1.5'].join('\n');
  assert.equal(problems(text), [
    "/etc/pbx/pbx.yaml:4:7: security.trusted[1]: '/40' is not a prefix length (0-32)",
    "/etc/pbx/pbx.yaml:6:7: security.trusted[3]: 'example.com' is not an IPv4 or IPv6 address",
    "/etc/pbx/pbx.yaml:7:7: security.trusted[4]: duplicate address '10.0.0.0/8' (first at line 3)",
    '/etc/pbx/pbx.yaml:8:14: security.floodRate: must be at least 0, got -5',
    '/etc/pbx/pbx.yaml:9:28: security.authFailBan.attempts: must be at least 1, got 0',
    '/etc/pbx/pbx.yaml:10:18: security.admissionRate: expected an integer, got 1.5',
  ]);
});

test('registrar: min <= default <= max', () => {
  assert.equal(problems('registrar:\n  minExpires: 600\n  defaultExpires: 300\n'), ['/etc/pbx/pbx.yaml:3:19: registrar.defaultExpires: must not be less than minExpires (600)']);
  assert.equal(problems('registrar:\n  maxExpires: 1800\n'), ['/etc/pbx/pbx.yaml:2:3: registrar.defaultExpires: must not exceed maxExpires (1800)']);
  assert.equal(problems('registrar: { minExpires: 7200 }'), ['/etc/pbx/pbx.yaml:1:26: registrar.minExpires: must not exceed maxExpires (3600)']);
  const r = parsePbxConfig('registrar: { maxExpires: 1800, defaultExpires: 1800 }', FILE, {}).registrar;
  assert.equal(r, { minExpires: 60, maxExpires: 1800, defaultExpires: 1800, maxContactsPerAor: 10, writeDelayMs: 500 });
});

test('auth: algorithms non-empty, unique, known', () => {
  assert.equal(problems('auth: { algorithms: [] }'), ['/etc/pbx/pbx.yaml:1:21: auth.algorithms: must not be empty']);
  assert.equal(problems('auth:\n  algorithms: [ MD5, SHA-512, MD5 ]\n'), [
    "/etc/pbx/pbx.yaml:2:22: auth.algorithms[1]: expected one of SHA-256, MD5, got 'SHA-512'",
    "/etc/pbx/pbx.yaml:2:31: auth.algorithms[2]: duplicate algorithm 'MD5' (first at line 2)",
  ]);
  assert.equal(parsePbxConfig('auth: { algorithms: [ MD5, SHA-256 ] }', FILE, {}).auth.algorithms, ['MD5', 'SHA-256']);
});

test('log: level is an enum', () => {
  assert.equal(problems('log:\n  level: WARNING\n'), ["/etc/pbx/pbx.yaml:2:10: log.level: expected one of debug, info, warn, error, got 'WARNING' (did you mean 'warn'?)"]);
});

test('a YAML syntax error is reported at its position and nothing else', () => {
  assert.equal(problems('sip:\n  listen: [ "udp://127.0.0.1:5060"\nrtp: {}\n'), [
    '/etc/pbx/pbx.yaml:3:1: Flow sequence in block collection must be sufficiently indented and end with a ]',
  ]);
  assert.equal(problems('dataDir: a\ndataDir: b\n'), ['/etc/pbx/pbx.yaml:2:1: Map keys must be unique']);
});

test('problems from all sections come together', () => {
  const text = 'dataDir: 1\nsip: { maxMessageBytes: 10 }\nlog: { level: loud }\n';
  assert.equal(problems(text), [
    '/etc/pbx/pbx.yaml:1:10: dataDir: expected a string, got 1 (put it in quotes)',
    '/etc/pbx/pbx.yaml:2:25: sip.maxMessageBytes: must be between 4096 and 1048576, got 10',
    "/etc/pbx/pbx.yaml:3:15: log.level: expected one of debug, info, warn, error, got 'loud'",
  ]);
});

test('backup: optional; dir resolves against the file, keep defaults to 7, values checked', () => {
  assert.is(parsePbxConfig('', FILE, {}).backup, undefined);
  assert.equal(parsePbxConfig('backup: { dir: ../backups, everyMinutes: 60 }\n', FILE, {}).backup, { dir: '/etc/backups', everyMinutes: 60, keep: 7 });
  assert.equal(parsePbxConfig('backup: { dir: /var/backups/pbx, everyMinutes: 1440, keep: 30 }\n', FILE, {}).backup, { dir: '/var/backups/pbx', everyMinutes: 1440, keep: 30 });
  const p = problems('backup:\n  dir: b\n  everyMinutes: 0\n  keep: -1\n');
  assert.is(p.length, 2, p.join('\n'));
  assert.match(p[0]!, /pbx\.yaml:3:17: backup\.everyMinutes/);
  assert.match(p[1]!, /pbx\.yaml:4:9: backup\.keep/);
  assert.match(problems('backup: { everyMinutes: 5 }\n')[0]!, /backup\.dir: required key is missing/);
});

test('security.tenantTrunk*: defaults, networks checked; provider trunk tls.ca resolves against the file', () => {
  const c = parsePbxConfig('', FILE, {});
  assert.is(c.security.tenantTrunkPrivateNetworks, false);
  assert.equal(c.security.tenantTrunkAllowedNetworks, []);
  const ok = parsePbxConfig('security: { tenantTrunkPrivateNetworks: true, tenantTrunkAllowedNetworks: [ "127.0.0.0/8" ] }\n', FILE, {});
  assert.is(ok.security.tenantTrunkPrivateNetworks, true);
  assert.equal(ok.security.tenantTrunkAllowedNetworks, ['127.0.0.0/8']);
  const bad = problems('security:\n  tenantTrunkAllowedNetworks: [ "127.0.0.0/33" ]\n  tenantTrunkPrivateNetworks: maybe\n');
  assert.is(bad.length, 2, bad.join('\n'));
  assert.match(bad[0]!, /^\/etc\/pbx\/pbx\.yaml:2:\d+: security\.tenantTrunkAllowedNetworks\[0\]/);
  assert.match(bad[1]!, /^\/etc\/pbx\/pbx\.yaml:3:\d+: security\.tenantTrunkPrivateNetworks/);
  const t = parsePbxConfig('trunks:\n  - { name: s, kind: ip, host: sip.carrier.example, transport: tls, allowedSources: [ "192.0.2.1" ], tls: { ca: certs/ca.pem } }\n', FILE, {});
  assert.equal(t.trunks[0]!.tls, { ca: '/etc/pbx/certs/ca.pem' });
});

test('media.prompts: optional folder, relative to the file, ${ENV} allowed, checked with file:line:col', () => {
  assert.is(parsePbxConfig('', FILE, {}).media, undefined);
  assert.equal(parsePbxConfig('media: { prompts: /usr/share/asterisk/sounds/en }\n', FILE, {}).media, { prompts: '/usr/share/asterisk/sounds/en' });
  assert.equal(parsePbxConfig('media:\n  prompts: sounds/en\n', FILE, {}).media, { prompts: '/etc/pbx/sounds/en' });
  assert.equal(parsePbxConfig('media: { prompts: "${SOUNDS}" }\n', FILE, { SOUNDS: '/srv/sounds' }).media, { prompts: '/srv/sounds' });
  assert.is(parsePbxConfig('media: {}\n', FILE, {}).media, undefined);
  assert.match(problems('media:\n  prompts: ""\n')[0]!, /pbx\.yaml:2:12: media\.prompts/);
  assert.match(problems('media:\n  prompts: [ a ]\n')[0]!, /pbx\.yaml:2:12: media\.prompts/);
  assert.match(problems('media:\n  promts: x\n')[0]!, /pbx\.yaml:2:3: media\.promts/);
});

test('dns.servers must be IP addresses; a bad one is reported at its line and column', () => {
  try {
    parsePbxConfig('dns:\n  servers: [ "dns.example" ]\n', FILE, {});
    assert.unreachable('accepted');
  } catch (e) {
    assert.match(String((e as Error).message), /pbx\.yaml:2:\d+.*not an IP address/s);
  }
});

test('tenantStores: a cap or idle time out of range is refused at its place', () => {
  const out = problems('tenantStores:\n  maxOpen: 0\n  idleSeconds: 1.5\n');
  assert.is(out.length, 2, out.join('\n'));
  assert.match(out[0]!, /^\/etc\/pbx\/pbx\.yaml:2:12: tenantStores\.maxOpen: /);
  assert.match(out[1]!, /^\/etc\/pbx\/pbx\.yaml:3:16: tenantStores\.idleSeconds: /);
});

test.run();
