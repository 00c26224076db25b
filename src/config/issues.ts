import type { LineCounter, Node } from 'yaml';
import { ConfigError, ConfigErrors } from '../util/errors.js';

/**
 * Collects every problem found in one config file, each placed at `line:col`, and
 * throws them together once decoding is over.
 */
export class Issues {
  /** More than this many problems are counted, not kept (a broken file can make thousands). */
  static readonly MAX_KEPT = 100;
  private readonly found: ConfigError[] = [];
  private dropped = 0;

  constructor(
    readonly file: string,
    private readonly lines: LineCounter,
  ) {}

  private add(e: ConfigError): void {
    if (this.found.length < Issues.MAX_KEPT) this.found.push(e);
    else this.dropped++;
  }

  /** A problem at a character offset of the source text. */
  atOffset(offset: number, problem: string): void {
    const { line, col } = this.lines.linePos(Math.max(0, offset));
    this.add(new ConfigError(this.file, line, col, problem));
  }

  /** A problem at the start of a node; at 1:1 when there is no node (an empty document). */
  at(node: Node | null | undefined, problem: string): void {
    if (node?.range) this.atOffset(node.range[0], problem);
    else this.add(new ConfigError(this.file, 1, 1, problem));
  }

  /** The line (1-based) a node starts on, for messages that point back at it. */
  lineOf(node: Node | null | undefined): number {
    return node?.range ? this.lines.linePos(node.range[0]).line : 1;
  }

  /** Throws ConfigErrors listing every problem, top of the file first. */
  throwIfAny(): void {
    if (this.found.length === 0) return;
    const sorted = this.found
      .map((e, i) => ({ e, i }))
      .sort((a, b) => a.e.line - b.e.line || a.e.col - b.e.col || a.i - b.i)
      .map((x) => x.e);
    if (this.dropped > 0) {
      const last = sorted[sorted.length - 1];
      sorted.push(new ConfigError(this.file, last.line, last.col, `${this.dropped} more problems not shown`));
    }
    throw new ConfigErrors(sorted);
  }
}
