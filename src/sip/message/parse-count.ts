/**
 * How many times each header parser ran in this thread: a diagnostic counter (issue 13, "parse
 * once"), read by the tests that pin how many parses a message flow costs. Incremented by the
 * parsers themselves; never reset by the server. Plain numbers, so a count costs one add.
 */
export interface ParseCount {
  via: number;
  nameAddr: number;
  cseq: number;
  /** Every URI parse, those inside a name-addr included. */
  uri: number;
}

export const parseCount: ParseCount = { via: 0, nameAddr: 0, cseq: 0, uri: 0 };

/** The counters as they are now (a copy, to subtract from a later one). */
export function parseCountNow(): ParseCount {
  return { ...parseCount };
}

/** Parser calls since `since`, per parser and in total. */
export function parseCountSince(since: ParseCount): ParseCount & { total: number } {
  const d = { via: parseCount.via - since.via, nameAddr: parseCount.nameAddr - since.nameAddr, cseq: parseCount.cseq - since.cseq, uri: parseCount.uri - since.uri };
  return { ...d, total: d.via + d.nameAddr + d.cseq + d.uri };
}
