/**
 * The call-flow keys of a tenant file as `pbx tenant export` writes them (the reverse of
 * call-flows-config.ts): destinations in their YAML form, defaults left out. Pure.
 */
import type { CallFlows } from '../model/call-flows.js';
import { flowDestinationYaml } from '../model/flow-destination.js';
import { IVR_DEFAULTS, type IvrMenu } from '../model/ivr-menu.js';
import { callQueueYaml } from '../model/call-queue-yaml.js';

function menuYaml(m: IvrMenu): Record<string, unknown> {
  const out: Record<string, unknown> = { name: m.name, greeting: m.greeting };
  out['options'] = Object.fromEntries(Object.entries(m.options).map(([k, d]) => [k, flowDestinationYaml(d)]));
  if (m.directDial !== false) out['directDial'] = m.directDial;
  if (m.interDigitSeconds !== IVR_DEFAULTS.interDigitSeconds) out['interDigitSeconds'] = m.interDigitSeconds;
  if (m.timeoutSeconds !== IVR_DEFAULTS.timeoutSeconds) out['timeoutSeconds'] = m.timeoutSeconds;
  if (m.retries !== IVR_DEFAULTS.retries) out['retries'] = m.retries;
  if (m.invalidPrompt !== IVR_DEFAULTS.invalidPrompt) out['invalidPrompt'] = m.invalidPrompt;
  if (m.timeout) out['timeout'] = flowDestinationYaml(m.timeout);
  if (m.invalid) out['invalid'] = flowDestinationYaml(m.invalid);
  return out;
}

/** The keys to write; a key the tenant does not use is left out. */
export function callFlowsYaml(f: Partial<CallFlows>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (f.timezone !== undefined) out['timezone'] = f.timezone;
  if (f.schedules && f.schedules.length > 0) {
    out['schedules'] = f.schedules.map((s) => ({
      name: s.name,
      weekly: s.weekly.map((w) => ({ days: [...w.days], from: w.from, to: w.to })),
      ...(s.holidays.length > 0 ? { holidays: s.holidays.map((h) => ({ ...h })) } : {}),
    }));
  }
  if (f.timeConditions && f.timeConditions.length > 0) {
    out['timeConditions'] = f.timeConditions.map((c) => ({ name: c.name, schedule: c.schedule, open: flowDestinationYaml(c.open), closed: flowDestinationYaml(c.closed) }));
  }
  if (f.ivrs && f.ivrs.length > 0) out['ivrs'] = f.ivrs.map(menuYaml);
  if (f.queues && f.queues.length > 0) out['queues'] = f.queues.map(callQueueYaml);
  return out;
}
