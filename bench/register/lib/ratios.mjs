// The summary ratios of one register run: each PBX (or --target) side and each bare Node side
// against Kamailio, and each PBX side against the bare registrar with the same thread count
// (every bare side when none matches). Highest passing rates, measured in the same run.

const f2 = (x) => x.toFixed(2);

/**
 * @param {{ title: string, kind?: string, threads?: number|string, result?: { ramp: { best: number } } }[]} sides
 * @returns {string[]} Markdown list lines
 */
export function ratioLines(sides) {
  const done = sides.filter((s) => s.result && s.result.ramp.best > 0);
  const of = (kind) => done.filter((s) => s.kind === kind);
  const pbx = [...of('pbx'), ...of('target')];
  const bare = of('bare');
  const kam = of('kamailio');
  const line = (a, b) => `- ratio ${a.title} / ${b.title}: **${f2(a.result.ramp.best / b.result.ramp.best)}** (${a.result.ramp.best} / ${b.result.ramp.best})`;
  const out = [];
  for (const k of kam) {
    for (const p of pbx) out.push(line(p, k));
    for (const b of bare) out.push(line(b, k));
  }
  for (const p of pbx) {
    const threads = p.threads === undefined ? 1 : p.threads;
    const same = bare.filter((b) => b.threads === threads);
    for (const b of same.length ? same : bare) out.push(line(p, b));
  }
  return out;
}
