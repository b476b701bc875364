// The search for the highest rate a stack sustains within its objectives, apart from how a rate
// is tried: growing (or halving) from a start rate until one rate passes and another fails, then
// bisecting between them, all within a time budget. Each probe costs seconds of load, so the
// search stops as soon as the bracket is within `precision` of the rate that passed.

export interface SearchBounds {
  /** The first rate tried, req/s. */
  start: number;
  /** Never tried above: past what the load generator can send, a pass means nothing. */
  ceiling: number;
  /** Stop when the failing rate is within this fraction above the passing one (0.05: 5 %). */
  precision: number;
  /** Each passing rate is multiplied by this until one fails (2 doubles). */
  growth: number;
}

/** What the probes have shown so far: the highest rate that passed and the lowest that failed. */
export interface Bracket {
  passed: number | undefined;
  failed: number | undefined;
}

/** The next rate to try (whole req/s), or undefined when there is nothing left worth trying. */
export function nextRate({ passed, failed }: Bracket, bounds: SearchBounds): number | undefined {
  if (passed === undefined && failed === undefined) return Math.min(bounds.start, bounds.ceiling);
  if (failed === undefined) return passed! >= bounds.ceiling ? undefined : Math.min(Math.round(passed! * bounds.growth), bounds.ceiling);
  if (passed === undefined) return failed <= 1 ? undefined : Math.floor(failed / 2);
  if (failed - passed <= Math.max(1, passed * bounds.precision)) return undefined;
  return Math.round((passed + failed) / 2);
}

export interface Probe {
  rate: number;
  passed: boolean;
}

export interface SearchBudget {
  /** What one probe takes, at least. */
  stepMs: number;
  /** The whole search, wall clock. */
  budgetMs: number;
  now(): number;
}

export type StopReason = 'converged' | 'budget' | 'ceiling' | 'floor';

export interface SearchResult<P extends Probe> {
  /** The highest rate that passed; 0 when none did. */
  rate: number;
  /** The lowest rate that failed; null when none did. */
  failedAt: number | null;
  stopped: StopReason;
  probes: P[];
}

/** Probes rates one after the other until `nextRate` has nothing left or the budget would be overrun. */
export async function searchMaxRate<P extends Probe>(probe: (rate: number) => Promise<P>, bounds: SearchBounds, budget: SearchBudget): Promise<SearchResult<P>> {
  const started = budget.now();
  const bracket: Bracket = { passed: undefined, failed: undefined };
  const probes: P[] = [];
  let stopped: StopReason;
  for (;;) {
    const rate = nextRate(bracket, bounds);
    if (rate === undefined) {
      stopped = bracket.failed === undefined ? 'ceiling' : bracket.passed === undefined ? 'floor' : 'converged';
      break;
    }
    if (budget.now() - started + budget.stepMs > budget.budgetMs) {
      stopped = 'budget';
      break;
    }
    const result = await probe(rate);
    probes.push(result);
    if (result.passed) bracket.passed = rate;
    else bracket.failed = rate;
  }
  return { rate: bracket.passed ?? 0, failedAt: bracket.failed ?? null, stopped, probes };
}
