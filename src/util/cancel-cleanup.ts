// What a cancelled run must undo. A cancelled workflow (GitHub sends SIGINT, then SIGTERM) or a
// Ctrl-C would otherwise leave a drill's or a single-database PITR's throwaway PostgreSQL
// running on the runner, and its temporary directories (a copy of the whole database) on disk.
// Whoever starts a cluster or makes a temporary directory registers how to undo it and
// unregisters once it is undone; while anything is registered, SIGINT/SIGTERM run the undo steps
// (newest first, bounded in time) and then end the process by the same signal, as if no handler
// had been there. With nothing registered no handler is installed, so wal-push and wal-fetch
// (run by PostgreSQL, which reads their death by signal) keep the default behaviour.

type Undo = () => Promise<unknown>;

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type CancelSignal = (typeof SIGNALS)[number];

const pending = new Map<number, { what: string; undo: Undo }>();
let nextId = 0;
let installed = false;
let cancelling = false;
/** The longest a cancel waits for the undo steps before the process ends anyway. */
const CANCEL_BUDGET_MS = 30_000;

const handlers: Record<CancelSignal, () => void> = {
  SIGINT: () => void cancel('SIGINT'),
  SIGTERM: () => void cancel('SIGTERM'),
};

/** Register an undo step for a cancel; returns the function that unregisters it (idempotent). */
export function undoOnCancel(what: string, undo: Undo): () => void {
  const id = nextId++;
  pending.set(id, { what, undo });
  if (!installed) {
    for (const s of SIGNALS) process.on(s, handlers[s]);
    installed = true;
  }
  return () => {
    pending.delete(id);
    if (!pending.size && !cancelling) uninstall();
  };
}

/** What is registered now (tests, diagnostics). */
export function pendingUndo(): string[] {
  return [...pending.values()].map((p) => p.what);
}

function uninstall(): void {
  if (!installed) return;
  for (const s of SIGNALS) process.off(s, handlers[s]);
  installed = false;
}

async function cancel(signal: CancelSignal): Promise<void> {
  if (cancelling) return; // a second signal while undoing: the first one's undo is under way
  cancelling = true;
  const steps = [...pending.values()].reverse();
  pending.clear();
  process.stderr.write(`pgkeep: ${signal} received: ${steps.length ? `undoing ${steps.map((s) => s.what).join(', ')}` : 'stopping'}\n`);
  const undoAll = (async () => {
    for (const s of steps)
      await s.undo().catch((e: Error) => process.stderr.write(`pgkeep: could not undo ${s.what}: ${e?.message ?? e}\n`));
  })();
  await Promise.race([undoAll, new Promise((r) => setTimeout(r, CANCEL_BUDGET_MS).unref())]);
  uninstall();
  // End as the signal would have ended us (exit status 128+n for the caller).
  process.kill(process.pid, signal);
}
