import { readPbxConfig, readTenantFiles } from '../app/config-files.js';
import { unusableRouteTrunks } from '../app/route-trunk-check.js';
import { trunkAddressPolicy } from '../app/trunk-address-policy.js';
import type { PbxConfig } from '../config/types.js';
import { ConfigErrors } from '../util/errors.js';
import { unknownFlowPrompts } from '../apps/flow-prompts.js';
import { specProblemsAt } from '../config/spec-positions.js';

/** `pbx check`: validate pbx.yaml and every tenant file; exit 0 when all are good. */
export function checkCommand(configFile: string): number {
  let failed = 0;
  let tenantsDir: string;
  let providerTrunks: PbxConfig['trunks'];
  let config: PbxConfig;
  try {
    config = readPbxConfig(configFile);
    tenantsDir = config.tenantsDir;
    providerTrunks = config.trunks;
    process.stdout.write(`ok   ${config.file}\n`);
  } catch (e) {
    process.stderr.write((e instanceof ConfigErrors ? e.message : String(e)) + '\n');
    return 1;
  }
  const files = readTenantFiles(tenantsDir, process.env, { trunkAddresses: trunkAddressPolicy(config) });
  const domains = new Map<string, string>();
  for (const f of files) {
    if (f.error) {
      failed++;
      process.stderr.write(f.error.message + '\n');
      continue;
    }
    const c = f.config!;
    const clash = c.domains.filter((d) => domains.has(d) && domains.get(d) !== c.id);
    if (clash.length > 0) {
      failed++;
      for (const d of clash) process.stderr.write(`${f.file}: domain ${d} is also claimed by tenant ${domains.get(d)}\n`);
      continue;
    }
    const trunkProblems = unusableRouteTrunks(c, providerTrunks);
    if (trunkProblems.length > 0) {
      failed++;
      for (const p of trunkProblems) process.stderr.write(`${f.file}: ${p}\n`);
      continue;
    }
    // The prompts its call flows name, as the server will look them up (its uploads, the operator's set, the built-in one).
    const prompts = unknownFlowPrompts(c, c.id, { dataDir: config.dataDir, ...(config.media?.prompts !== undefined ? { operatorDir: config.media.prompts } : {}) });
    if (prompts.length > 0) {
      failed++;
      process.stderr.write(specProblemsAt(f.text ?? '', f.file, prompts).message + '\n');
      continue;
    }
    for (const d of c.domains) domains.set(d, c.id);
    process.stdout.write(`ok   ${f.file} (tenant ${c.id}: ${c.domains.join(', ')}; ${c.extensions.length} extensions)\n`);
  }
  process.stdout.write(`${files.length} tenant file(s), ${failed} with errors\n`);
  return failed === 0 ? 0 : 1;
}
