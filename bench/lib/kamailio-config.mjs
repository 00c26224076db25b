// What every Kamailio reference of the benches shares (register: a registrar; calls: a stateful
// proxy): the modules' directory, the subscriber database auth_db reads (db_sqlite: the same
// users as the PBX's extensions, passwords in clear with calculate_ha1=1), and the common head of
// the generated kamailio.cfg (globals, the modules both load, ctl, usrloc in memory, auth,
// auth_db). The allocator (-x tlsf) and the start are kamailio-server.mjs's.
import { createRequire } from 'node:module';

export const KAMAILIO_MODULES_DIR = '/usr/lib/x86_64-linux-gnu/kamailio/modules';

/** Creates the db_sqlite database auth_db reads: version + subscriber with a (username, domain) index. */
export function writeSubscriberDb(file, users, repoRoot) {
  const require = createRequire(repoRoot + '/package.json');
  const Database = require('better-sqlite3');
  const db = new Database(file);
  try {
    db.exec(`
      CREATE TABLE version (table_name VARCHAR(32) NOT NULL, table_version INTEGER DEFAULT 0 NOT NULL,
        CONSTRAINT version_table_name_idx UNIQUE (table_name));
      INSERT INTO version (table_name, table_version) VALUES ('subscriber', 7);
      CREATE TABLE subscriber (id INTEGER PRIMARY KEY NOT NULL, username VARCHAR(64) DEFAULT '' NOT NULL,
        domain VARCHAR(64) DEFAULT '' NOT NULL, password VARCHAR(64) DEFAULT '' NOT NULL,
        ha1 VARCHAR(128) DEFAULT '' NOT NULL, ha1b VARCHAR(128) DEFAULT '' NOT NULL,
        CONSTRAINT subscriber_account_idx UNIQUE (username, domain));
      CREATE INDEX subscriber_username_idx ON subscriber (username);
    `);
    const ins = db.prepare('INSERT INTO subscriber (username, domain, password) VALUES (?, ?, ?)');
    db.transaction(() => {
      for (const u of users) ins.run(u.ext, u.domain, u.password);
    })();
  } finally {
    db.close();
  }
}

/**
 * The head of a generated kamailio.cfg, up to the auth_db parameters; the caller appends its own
 * module parameters and routes.
 * @param {{ title: string, host: string, port: number, children: number, dbFile: string, ctlSocket: string,
 *           maxBufferBytes?: number, extraModules?: string[] }} o
 */
export function kamailioHead(o) {
  const modules = ['kex', 'corex', 'ctl', 'sl', 'tm', 'tmx', 'pv', 'maxfwd', 'textops', 'siputils', 'xlog', 'db_sqlite', 'usrloc', 'registrar', 'auth', 'auth_db', ...(o.extraModules ?? [])];
  return `#!KAMAILIO
# ${o.title}
debug=1
log_stderror=yes
memdbg=5
memlog=5
children=${o.children}
listen=udp:${o.host}:${o.port}
disable_tcp=yes
auto_aliases=no
dns=no
rev_dns=no
server_signature=no
${o.maxBufferBytes ? `# socket buffers as SIPp and the PBX get them (the default 256 KiB drops bursts at 2,000 calls/s)\nmaxbuffer=${o.maxBufferBytes}\n` : ''}
mpath="${KAMAILIO_MODULES_DIR}/"
${modules.map((m) => `loadmodule "${m}.so"`).join('\n')}

modparam("ctl", "binrpc", "unix:${o.ctlSocket}")

# usrloc in memory only: no database writes on REGISTER.
modparam("usrloc", "db_mode", 0)
modparam("usrloc", "use_domain", 1)

# One fixed secret so a nonce made by one worker is accepted by the other.
modparam("auth", "secret", "pbx-bench-secret")

modparam("auth_db", "db_url", "sqlite://${o.dbFile}")
modparam("auth_db", "calculate_ha1", 1)
modparam("auth_db", "password_column", "password")
modparam("auth_db", "use_domain", 1)
modparam("auth_db", "load_credentials", "")
`;
}
