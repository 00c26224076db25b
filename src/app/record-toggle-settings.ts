/**
 * The feature code that toggles an on-demand recording for a tenant's calls (the tenant
 * file's `featureCodes.recordToggle`, kept in its settings; default `*1`) and the
 * confirmation tone: the `beep` prompt, the tenant's own first, then the operator's set
 * (pbx.yaml media.prompts), then the built-in one. A tone that cannot be found is logged
 * and the toggle works without it.
 */
import { DEFAULT_RECORD_TOGGLE_CODE } from '../b2bua/feature-code-matcher.js';
import { resolvePrompt } from '../media/prompts/prompt-path.js';
import { checkField, FIELDS } from '../model/field-rules.js';
import { RECORD_TOGGLE_SETTING } from '../tenant/apply-tenant.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { Logger } from '../util/logger.js';

export function recordToggleSettings(o: { dataDir: string; operatorPrompts: () => string | undefined; logger: Logger }): (tenant: TenantContext) => { code: string; beep: string | undefined } {
  return (tenant) => {
    const stored = tenant.store.getSetting(RECORD_TOGGLE_SETTING);
    const code = stored !== undefined && checkField(FIELDS.featureCode, stored) === undefined ? stored : DEFAULT_RECORD_TOGGLE_CODE;
    let beep: string | undefined;
    try {
      const operatorDir = o.operatorPrompts();
      beep = resolvePrompt('beep', tenant.id, { dataDir: o.dataDir, ...(operatorDir !== undefined ? { operatorDir } : {}) }).path;
    } catch (e) {
      o.logger.warn('no beep prompt for the recording feature code', { tenant: tenant.id, error: e });
    }
    return { code, beep };
  };
}
