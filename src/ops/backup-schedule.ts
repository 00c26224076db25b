import type { Logger } from '../util/logger.js';
import { runBackup } from './backup.js';

/**
 * pbx.yaml `backup: { dir, everyMinutes, keep }`: an online backup every `everyMinutes`
 * while the server runs, keeping the newest `keep`. One at a time: a backup still
 * running when the next is due makes that one skip. Returns a stop function.
 */
export function startBackupSchedule(config: { dataDir: string; backup?: { dir: string; everyMinutes: number; keep: number } }, logger: Logger): () => void {
  const b = config.backup;
  if (!b) return () => {};
  let running = false;
  const tick = () => {
    if (running) {
      logger.warn('scheduled backup skipped: the previous one is still running');
      return;
    }
    running = true;
    const started = Date.now();
    runBackup({ dataDir: config.dataDir, dir: b.dir, keep: b.keep }).then(
      (r) => logger.info('backup written', { path: r.path, tenants: r.manifest.tenants.length, removed: r.removed.length, ms: Date.now() - started }),
      (e: unknown) => logger.error('scheduled backup failed', { error: e }),
    ).finally(() => {
      running = false;
    });
  };
  const timer = setInterval(tick, b.everyMinutes * 60_000);
  timer.unref();
  logger.info('scheduled backups', { dir: b.dir, everyMinutes: b.everyMinutes, keep: b.keep });
  return () => clearInterval(timer);
}
