// The parts of node-postgres' Pool (pg-pool 3) this layer reads. MikroORM 7 hands the pool out
// through `getNativeClient()`; `pg` ships no types of its own and @types/pg is not a dependency.
export interface PgPool {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
  readonly options: { max?: number };
  readonly Client: new (options: object) => PgClient;
}

export interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
}
