// Whatever the bench starts (processes, a database, a temp directory) is undone in reverse order
// on every way out: success, failure, Ctrl-C or SIGTERM. A signal also aborts `signal`, so the
// load stops at once (a server draining under load would wait for its shutdown deadline) and
// nothing new is started while cleaning up.
import { constants } from 'node:os';
import { SettingsError } from './settings.ts';

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

/**
 * Runs a script's main with cleanup on exit and on signals: exit code from main, 2 for a bad
 * setting (reported without a stack), 1 for anything else.
 */
export async function runWithCleanup(name: string, main: (cleanup: Cleanup) => Promise<number>): Promise<void> {
  const cleanup = new Cleanup();
  cleanup.onSignals();
  try {
    process.exitCode = await main(cleanup);
  } catch (error) {
    const badSetting = error instanceof SettingsError;
    process.exitCode = badSetting ? 2 : 1;
    // After a signal its handler reports and exits: the abort that unwound main is no failure.
    if (!cleanup.signal.aborted) {
      process.stderr.write(`${name}: ${badSetting ? error.message : ((error as Error).stack ?? String(error))}\n`);
    }
  } finally {
    await cleanup.run();
  }
}
