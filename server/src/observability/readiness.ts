// Readiness: whether this instance should get traffic. False from the moment shutdown begins, so
// the load balancer drains it while in-flight requests finish.
export interface HealthCheck {
  componentType?: string;
  observedValue?: number;
  observedUnit?: string;
  status: 'pass' | 'warn' | 'fail';
  time?: string;
  output?: string;
}

export interface Pingable {
  ping(): Promise<void>;
}

export interface LimiterState {
  status(): 'memory' | 'redis' | 'degraded';
}

const PING_TIMEOUT_MS = 2_000;

export class Readiness {
  shuttingDown = false;
  readonly #database: Pingable;
  readonly #limiter: LimiterState;

  constructor(database: Pingable, limiter: LimiterState) {
    this.#database = database;
    this.#limiter = limiter;
  }

  /**
   * Shared rate limits in Redis: when Redis fails, limits fall back to each instance's memory.
   * The instance still serves, so this warns rather than fails. Undefined without Redis.
   */
  limiterCheck(): HealthCheck | undefined {
    const status = this.#limiter.status();
    if (status === 'memory') return undefined;
    const time = new Date().toISOString();
    return status === 'redis'
      ? { componentType: 'datastore', status: 'pass', time }
      : { componentType: 'datastore', status: 'warn', time, output: 'Redis unreachable: rate limits are per instance until it is back' };
  }

  async databaseCheck(): Promise<HealthCheck> {
    const start = performance.now();
    const time = new Date().toISOString();
    try {
      await withTimeout(this.#database.ping(), PING_TIMEOUT_MS);
      const observedValue = Math.round((performance.now() - start) * 100) / 100;
      return { componentType: 'datastore', observedValue, observedUnit: 'ms', status: 'pass', time };
    } catch {
      return { componentType: 'datastore', status: 'fail', time, output: 'database did not answer' };
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
