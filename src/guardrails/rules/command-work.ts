/**
 * The work one Check may spend reading commands (container_command_egress: the shell reader,
 * shell.ts, and the shape passes, commands.ts), shared by every script of one body: a Pod's
 * containers, a ConfigMap's keys, the documents of a list. Counted, not timed (the same request
 * costs the same on a loaded machine and in a test): a unit is one character read by a pass over a
 * text, and a word or pipeline stage costs PIECE_COST besides (what splitting a text into many tiny
 * pieces costs over its characters).
 *
 * Node serves every Check on one thread: without a bound, one body of 1 MiB (a pipeline of 200,000
 * stages, a ConfigMap of many scripts each just under a limit) held every other Check for as long
 * as reading it took. Past the budget a script is not read further and its container or key gets the
 * `over_budget` outcome (container_command_egress, asked): a script nobody reads is no routine one.
 *
 * COMMAND_WORK_LIMIT is chosen from the real corpus (test/fixtures/container-commands/): the costliest
 * routine script there (Bitnami JupyterHub's 18 KB jupyterhub_config.py) spends about 1/20 of it, and
 * all of one chart's scripts read as one write (Bitnami redis's, Argo CD redis-ha's: 30 KB) about 1/10
 * (docs/guardrails.md, "How much of a command is read").
 */
export const COMMAND_WORK_LIMIT = 4_000_000;

/** What a word of the reader or a stage of a pipeline costs besides its characters. */
export const PIECE_COST = 8;

export class CommandWork {
  private used = 0;

  constructor(readonly limit: number = COMMAND_WORK_LIMIT) {}

  /** Spends `units`; false once the budget is gone (it stays gone for the rest of the Check). */
  take(units: number): boolean {
    this.used += units;
    return this.used <= this.limit;
  }

  get exhausted(): boolean {
    return this.used > this.limit;
  }

  /** Units spent so far, the last refused charge included (tests and the benchmark read the count, never a time). */
  get spent(): number {
    return this.used;
  }
}
