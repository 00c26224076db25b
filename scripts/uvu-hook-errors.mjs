// Preloaded by scripts/run-tests.mjs. uvu 0.5 runs a suite's before hooks inside try/finally
// with a `return` in the finally, so an error thrown by a before hook vanishes: the file reports
// "(0 / N)" and nothing else. This load hook rewrites that one line of uvu's runner (in memory,
// when the module loads) so the hook's error is reported like a failed test's. If uvu's text
// ever changes, the rewrite does nothing and uvu behaves as shipped.
import { register } from 'node:module';

register('data:text/javascript,' + encodeURIComponent(`
const NEEDLE = 'for (hook of before) await hook(state);';
const REPLACEMENT = 'try { for (hook of before) await hook(state); } catch (err) { errors += format("(before hook)", err, name); arr = []; }';
export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  if (!/\\/node_modules\\/uvu\\/dist\\/index\\.mjs$/.test(url) || result.source == null) return result;
  const text = typeof result.source === 'string' ? result.source : new TextDecoder().decode(result.source);
  return { ...result, source: text.replace(NEEDLE, REPLACEMENT), shortCircuit: true };
}
`));
