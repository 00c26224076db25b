/**
 * At start, before any call (the store pool's first open of a tenant): messages a stopped
 * process left behind are indexed. A row still 'recording' is finished from its file's WAV
 * header (the recorder's writer rewrites the header at every flush, so it describes what
 * reached the disk); a message file with no row at all (a crash between the file and the
 * row, or a file restored by hand) gets a row. A file with no audio, or none at all, is
 * removed with its row. Nothing with audio in it is ever dropped here: a crash keeps what
 * was recorded so far.
 */
import { lstatSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { VoicemailTable } from '../../store/voicemail-table.js';
import { WavReader } from '../../media/wav/wav-reader.js';
import { BOX_RE, insideTenant, MESSAGE_ID_RE, messageFile } from './voicemail-files.js';

export interface RecoveryReport {
  /** Rows finished or created from their files. */
  indexed: number;
  /** Empty or unreadable leftovers removed. */
  removed: number;
}

function probe(path: string): { durationMs: number; bytes: number } | undefined {
  try {
    const size = lstatSync(path).size;
    const r = WavReader.open(path, { allowStereo: true });
    try {
      return r.info.frames > 0 ? { durationMs: Math.round(r.info.durationMs), bytes: size } : undefined;
    } finally {
      r.close();
    }
  } catch {
    return undefined;
  }
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export function recoverVoicemail(table: VoicemailTable, tenantFolder: string, nowMs: number): RecoveryReport {
  const report: RecoveryReport = { indexed: 0, removed: 0 };
  for (const row of table.unfinished()) {
    let path: string;
    try {
      path = insideTenant(tenantFolder, row.file);
    } catch {
      table.deleteMessage(row.id);
      report.removed++;
      continue;
    }
    const p = probe(path);
    if (p && table.finishMessage(row.id, p.durationMs, p.bytes)) report.indexed++;
    else {
      unlinkQuiet(path);
      table.deleteMessage(row.id);
      report.removed++;
    }
  }
  const known = table.indexedFiles();
  const root = join(tenantFolder, 'voicemail');
  for (const box of listDir(root)) {
    if (!BOX_RE.test(box)) continue;
    for (const name of listDir(join(root, box))) {
      if (!name.endsWith('.wav')) continue;
      const id = name.slice(0, -4);
      if (!MESSAGE_ID_RE.test(id)) continue;
      const file = messageFile(box, id);
      if (known.has(file)) continue;
      const path = insideTenant(tenantFolder, file);
      const p = probe(path);
      if (!p || table.message(id) !== undefined) {
        if (!p) {
          unlinkQuiet(path);
          report.removed++;
        }
        continue;
      }
      let receivedAt = nowMs;
      try {
        receivedAt = Math.round(lstatSync(path).mtimeMs);
      } catch {
        // keep now
      }
      table.startMessage({ id, box, receivedAt, file });
      table.finishMessage(id, p.durationMs, p.bytes);
      report.indexed++;
    }
  }
  return report;
}
