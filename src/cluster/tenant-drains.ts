/**
 * The tenants of this node being drained for a move to another node (`pbx cluster move`): their
 * new calls are refused with 503 and Retry-After (the edge then sends them to the new node once
 * the table is switched), calls in progress go on. In memory only: a restart ends every drain,
 * and the move's journal (tenant-move.ts) drains again when it resumes.
 */
export class TenantDrains {
  private readonly since = new Map<string, number>();

  start(tenantId: string, now: number): void {
    if (!this.since.has(tenantId)) this.since.set(tenantId, now);
  }

  stop(tenantId: string): boolean {
    return this.since.delete(tenantId);
  }

  has(tenantId: string): boolean {
    return this.since.has(tenantId);
  }

  /** When the drain began (clock ms), or undefined. */
  startedAt(tenantId: string): number | undefined {
    return this.since.get(tenantId);
  }
}
