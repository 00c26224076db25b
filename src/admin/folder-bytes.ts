import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Bytes on disk of a folder and everything under it (symbolic links not followed). */
export function folderBytes(dir: string): number {
  let total = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e);
    try {
      const st = lstatSync(p);
      if (st.isDirectory()) total += folderBytes(p);
      else if (st.isFile()) total += st.size;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}
