// Guaranteed teardown. Tests push undo steps as they create things; the steps run in reverse
// order from node:test's `after`, and again (whatever is left) from a process 'exit' hook or a
// SIGINT/SIGTERM, so a failed or interrupted test leaves no namespace, mount or daemon behind.
// Steps are synchronous so they can run inside an 'exit' hook.

type Step = { what: string; undo: () => void };

const steps: Step[] = [];
let hooked = false;

function runAll(): void {
  while (steps.length > 0) {
    const step = steps.pop()!;
    try {
      step.undo();
    } catch (e) {
      process.stderr.write(`netns teardown: ${step.what}: ${(e as Error).message}\n`);
    }
  }
}

function hookProcess(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', runAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      runAll();
      process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    });
  }
}

/** Registers an undo step; returns a function that runs it now (once) and forgets it. */
export function onTeardown(what: string, undo: () => void): () => void {
  hookProcess();
  const step = { what, undo };
  steps.push(step);
  return () => {
    const i = steps.indexOf(step);
    if (i < 0) return;
    steps.splice(i, 1);
    undo();
  };
}

/** Runs every registered step now (node:test `after`). */
export function teardownAll(): void {
  runAll();
}
