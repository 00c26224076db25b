// Reads the file SIPp writes with -trace_stat -stf FILE -fd 1: a ';'-separated header, then one
// row per period with (P) = this period and (C) = cumulative counters. Timestamps are
// "date<TAB>time<TAB>epoch.micro"; the epoch part gives sub-second precision.

/** @returns {Record<string, string>[]} */
export function parseStatCsv(text) {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length < 2) return [];
  const header = lines[0].split(';').map((h) => h.trim());
  return lines.slice(1).map((line) => {
    const cells = line.split(';');
    const row = {};
    header.forEach((h, i) => {
      if (h) row[h] = (cells[i] ?? '').trim();
    });
    return row;
  });
}

function epoch(stamp) {
  const parts = (stamp ?? '').split('\t');
  return Number(parts[parts.length - 1]);
}

function num(row, key) {
  const v = Number(row?.[key]);
  return Number.isFinite(v) ? v : 0;
}

/** "HH:MM:SS:micro" (CallLength) -> milliseconds */
function durationMs(s) {
  const p = (s ?? '').split(':').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isFinite(x))) return 0;
  return ((p[0] * 60 + p[1]) * 60 + p[2]) * 1000 + p[3] / 1000;
}

/**
 * Summarises one SIPp run. `achievedRate` is the rate SIPp really offered (a SIPp short of CPU
 * falls behind its -r): calls created / elapsed at the last 1 s row before the final call was
 * created, i.e. over whole periods of the sending phase; `sendSeconds` = created / achievedRate.
 */
export function summarise(rows) {
  if (rows.length === 0) return undefined;
  const last = rows[rows.length - 1];
  const t0 = epoch(rows[0].StartTime);
  const created = num(last, 'OutgoingCall(C)');
  let achievedRate = 0;
  for (const r of rows) {
    const out = num(r, 'OutgoingCall(C)');
    const t = epoch(r.CurrentTime) - t0;
    if (out >= created) break;
    if (out > 0 && t > 0) achievedRate = out / t;
  }
  // Everything was created within the first period: only the whole run's elapsed time is known.
  if (achievedRate === 0) achievedRate = created / Math.max(epoch(last.CurrentTime) - t0, 1e-3);
  const failureKinds = {};
  for (const key of Object.keys(last)) {
    const m = /^Failed(.+)\(C\)$/.exec(key);
    if (m && m[1] !== 'Call' && num(last, key) > 0) failureKinds[m[1]] = num(last, key);
  }
  return {
    created,
    successful: num(last, 'SuccessfulCall(C)'),
    failed: num(last, 'FailedCall(C)'),
    inProgress: num(last, 'CurrentCall'),
    retransmissions: num(last, 'Retransmissions(C)'),
    deadCallMsgs: num(last, 'DeadCallMsgs(C)'),
    outOfCallMsgs: num(last, 'OutOfCallMsgs(C)'),
    callLengthMs: durationMs(last['CallLength(C)']),
    achievedRate,
    sendSeconds: achievedRate > 0 ? created / achievedRate : 0,
    failureKinds,
  };
}

/** Adds the summaries of SIPp processes that ran side by side. */
export function combine(summaries) {
  const s = summaries.filter(Boolean);
  if (s.length === 0) return undefined;
  const sum = (k) => s.reduce((a, x) => a + x[k], 0);
  const failureKinds = {};
  for (const x of s) for (const [k, v] of Object.entries(x.failureKinds)) failureKinds[k] = (failureKinds[k] ?? 0) + v;
  const created = sum('created');
  return {
    created,
    successful: sum('successful'),
    failed: sum('failed'),
    inProgress: sum('inProgress'),
    retransmissions: sum('retransmissions'),
    deadCallMsgs: sum('deadCallMsgs'),
    outOfCallMsgs: sum('outOfCallMsgs'),
    callLengthMs: created > 0 ? s.reduce((a, x) => a + x.callLengthMs * x.created, 0) / created : 0,
    achievedRate: s.reduce((a, x) => a + x.achievedRate, 0),
    sendSeconds: Math.max(...s.map((x) => x.sendSeconds)),
    failureKinds,
  };
}
