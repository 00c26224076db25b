/**
 * Whether a tenant has a prompt of a name (its own upload, the operator's set or the
 * built-in one): what a `play` destination may name. The same lookup the player uses
 * (media/prompts/prompt-path.ts), so apply refuses exactly what could not be played.
 */
import { resolvePrompt } from '../media/prompts/prompt-path.js';

export function promptExistsIn(folders: () => { dataDir: string; operatorDir?: string }): (tenantId: string, name: string) => boolean {
  return (tenantId, name) => {
    try {
      resolvePrompt(name, tenantId, folders());
      return true;
    } catch {
      return false;
    }
  };
}
