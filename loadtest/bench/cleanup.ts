// Whatever the bench starts (processes, a database, a temp directory) is undone in reverse order
// on every way out: success, failure, Ctrl-C or SIGTERM. A signal also aborts `signal`, so the
// load stops at once (a server draining under load would wait for its shutdown deadline) and
// nothing new is started while cleaning up.
import { constants } from 'node:os';

type Step = () => Promise<void>;

export class Cleanup {
  #steps: Step[] = [];
  #running: Promise<void> | undefined;
  readonly #stopRequested = new AbortController();

  get signal(): AbortSignal {
    return this.#stopRequested.signal;
  }

  defer(step: Step): void {
    this.#steps.push(step);
  }

  /** Runs every step once, the last deferred first; a failing step does not stop the others. */
  run(): Promise<void> {
    return (this.#running ??= this.#drain());
  }

  /** On SIGINT/SIGTERM: clean up, then exit with the signal's conventional status. */
  onSignals(): void {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        process.stderr.write(`\n${signal}: stopping\n`);
        this.#stopRequested.abort(new Error(signal));
        void this.run().finally(() => process.exit(128 + constants.signals[signal]));
      });
    }
  }

  async #drain(): Promise<void> {
    for (let step = this.#steps.pop(); step !== undefined; step = this.#steps.pop()) {
      try {
        await step();
      } catch (error) {
        process.stderr.write(`cleanup: ${(error as Error).message}\n`);
      }
    }
  }
}
