/**
 * The prompts a tenant's call flows name (IVR greetings and invalid-option prompts, `play`
 * destinations) must exist for that tenant: its own upload, the operator's set or the
 * built-in one (media/prompts/prompt-path.ts, the same search a call makes). A name that
 * none has is refused when the flows are applied, at its path, rather than found silent
 * on a call. Upload a tenant prompt first, then name it.
 */
import { PromptPathError, resolvePrompt, type PromptFolders } from '../media/prompts/prompt-path.js';
import type { CallFlows } from '../model/call-flows.js';

export interface PromptProblem {
  path: string;
  message: string;
}

/** Every prompt the document names, with its path. */
function namedPrompts(f: Partial<CallFlows>): Array<{ path: string; name: string }> {
  const out: Array<{ path: string; name: string }> = [];
  (f.ivrs ?? []).forEach((m, i) => {
    out.push({ path: `ivrs[${i}].greeting`, name: m.greeting });
    out.push({ path: `ivrs[${i}].invalidPrompt`, name: m.invalidPrompt });
    for (const [k, d] of Object.entries(m.options)) if (d.type === 'play') out.push({ path: `ivrs[${i}].options.${k}.play`, name: d.prompt });
    if (m.timeout?.type === 'play') out.push({ path: `ivrs[${i}].timeout.play`, name: m.timeout.prompt });
    if (m.invalid?.type === 'play') out.push({ path: `ivrs[${i}].invalid.play`, name: m.invalid.prompt });
  });
  (f.timeConditions ?? []).forEach((c, i) => {
    if (c.open.type === 'play') out.push({ path: `timeConditions[${i}].open.play`, name: c.open.prompt });
    if (c.closed.type === 'play') out.push({ path: `timeConditions[${i}].closed.play`, name: c.closed.prompt });
  });
  return out;
}

/** The prompts of `f` that tenant `tenantId` cannot play. */
export function unknownFlowPrompts(f: Partial<CallFlows>, tenantId: string, folders: PromptFolders): PromptProblem[] {
  const out: PromptProblem[] = [];
  const cache = new Map<string, string | undefined>();
  for (const { path, name } of namedPrompts(f)) {
    if (!cache.has(name)) {
      try {
        resolvePrompt(name, tenantId, folders);
        cache.set(name, undefined);
      } catch (e) {
        if (!(e instanceof PromptPathError)) throw e;
        cache.set(name, e.code === 'not-found' ? `no prompt '${name}': neither this tenant's uploads nor the operator's or the built-in set have it (upload it first)` : e.message);
      }
    }
    const problem = cache.get(name);
    if (problem !== undefined) out.push({ path, message: problem });
  }
  return out;
}
