import { PbxServer } from '../app/pbx-server.js';
import { startBackupSchedule } from '../ops/backup-schedule.js';
import { claimPidFile, defaultPidFile, removePidFile, ServerRunningError } from '../app/server-pid.js';
import { readPbxConfig } from '../app/config-files.js';
import { ListenError } from '../app/listen-probe.js';
import { AdminTokenFileError } from '../app/admin-token-file.js';
import type { PbxConfig } from '../config/types.js';
import { ConfigErrors } from '../util/errors.js';
import { createLogger } from '../util/logger.js';

/**
 * `pbx serve`: start, then wait for signals. SIGHUP reloads; SIGUSR2 logs counters and
 * memory; SIGTERM and SIGINT stop gracefully (listeners first, then transactions, then
 * the stores) and exit 0.
 *
 * Before anything is written to the data directory, the pid file is claimed (another
 * live server there: exit 1) and every listener is tried (one cannot be bound: exit 1);
 * a failed start closes what it opened, so the process ends.
 */
export async function serveCommand(configFile: string, opts: { pidFile?: string } = {}): Promise<number> {
  let config: PbxConfig;
  try {
    config = readPbxConfig(configFile);
  } catch (e) {
    process.stderr.write((e instanceof ConfigErrors ? e.message : String(e)) + '\n');
    return 1;
  }
  const logger = createLogger({ level: config.log.level, format: config.log.format });
  process.on('uncaughtException', (e) => logger.error('uncaught exception', { error: e, stack: e.stack }));
  process.on('unhandledRejection', (e) => logger.error('unhandled rejection', { error: e }));
  // The lock of the data directory, and what tells `pbx tenant apply|unpack`, `pbx
  // restore-tenant` and the admin commands that a server runs on it.
  const pidFile = opts.pidFile ?? defaultPidFile(config.dataDir);
  try {
    claimPidFile(pidFile);
  } catch (e) {
    process.stderr.write(`pbx serve: ${e instanceof ServerRunningError ? `data directory ${config.dataDir}: ${e.message}` : `cannot write the pid file ${pidFile}: ${(e as Error).message}`}\n`);
    return 1;
  }
  let server: PbxServer;
  try {
    server = await PbxServer.start(configFile, { logger });
  } catch (e) {
    removePidFile(pidFile);
    if (e instanceof ConfigErrors) process.stderr.write(e.message + '\n');
    else if (e instanceof ListenError || e instanceof AdminTokenFileError) process.stderr.write(`pbx serve: ${e.message}\n`);
    else logger.error('start failed', { error: e, stack: (e as Error).stack });
    return 1;
  }
  const stopBackups = startBackupSchedule(server.currentConfig, logger.child('backup'));
  return new Promise<number>((resolve) => {
    const stop = (sig: string) => {
      logger.info('signal', { signal: sig });
      stopBackups();
      // The pid file goes only once the stores are closed.
      server.stop().then(
        () => {
          removePidFile(pidFile);
          resolve(0);
        },
        (e: unknown) => {
          logger.error('stop failed', { error: e });
          removePidFile(pidFile);
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    process.on('SIGUSR2', () => {
      try {
        // Printed whatever the log level: the operator asked for it.
        const report = server.statsReport();
        process.stderr.write(`${new Date().toISOString()} STATS stats ${Object.entries(report).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
      } catch (e) {
        logger.error('stats failed', { error: e });
      }
    });
    process.on('SIGHUP', () => {
      try {
        server.reload();
      } catch (e) {
        logger.error('reload failed', { error: e });
      }
    });
  });
}
