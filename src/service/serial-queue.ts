// Runs tasks one after another in arrival order, whatever each one's outcome: concurrent
// requests see mutations as some serial order, and a failed one never blocks the next.

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => T | Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
