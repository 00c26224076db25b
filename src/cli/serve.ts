import { PbxServer } from '../app/pbx-server.js';
import { startBackupSchedule } from '../app/backup-schedule.js';
import { defaultPidFile, removePidFile, writePidFile } from '../app/server-pid.js';
import { readPbxConfig } from '../app/config-files.js';
import { ConfigErrors } from '../util/errors.js';
import { createLogger } from '../util/logger.js';

/**
 * `pbx serve`: start, then wait for signals. SIGHUP reloads; SIGUSR2 logs counters and
 * memory; SIGTERM and SIGINT stop gracefully (listeners first, then transactions, then
 * the stores) and exit 0.
 */
export async function serveCommand(configFile: string, opts: { pidFile?: string } = {}): Promise<number> {
  let level: 'debug' | 'info' | 'warn' | 'error' = 'info';
  let format: 'text' | 'json' = 'text';
  try {
    ({ level, format } = readPbxConfig(configFile).log);
  } catch (e) {
    process.stderr.write((e instanceof ConfigErrors ? e.message : String(e)) + '\n');
    return 1;
  }
  const logger = createLogger({ level, format });
  process.on('uncaughtException', (e) => logger.error('uncaught exception', { error: e, stack: e.stack }));
  process.on('unhandledRejection', (e) => logger.error('unhandled rejection', { error: e }));
  let server: PbxServer;
  try {
    server = await PbxServer.start(configFile, { logger });
  } catch (e) {
    if (e instanceof ConfigErrors) process.stderr.write(e.message + '\n');
    else logger.error('start failed', { error: e, stack: (e as Error).stack });
    return 1;
  }
  // Tells `pbx tenant apply|unpack` and `pbx restore-tenant` that a server runs on this data directory.
  const pidFile = opts.pidFile ?? defaultPidFile(server.currentConfig.dataDir);
  try {
    writePidFile(pidFile);
  } catch (e) {
    logger.warn('cannot write the pid file', { file: pidFile, error: e });
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
