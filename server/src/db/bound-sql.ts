// SQL with parameters bound by the driver, on the EntityManager's transaction when it has one.
// `em.execute()` formats parameters into the SQL text before sending it: fine for ids and dates,
// but a 32 MiB Buffer would become a 64 MiB hex literal (and be logged). Here a Buffer travels as a
// binary parameter, and bytea comes back as a Buffer.
import type { EntityManager } from '@mikro-orm/postgresql';

export interface BoundSql {
  query<Row>(sql: string, params: readonly unknown[]): Promise<Row[]>;
}

/**
 * The one method of MikroORM's Kysely client (or of its open transaction) used here. Kysely types
 * the argument as a compiled operation tree; its PostgreSQL driver reads only `sql` and
 * `parameters` (the contract pg-boss's own Kysely adapter relies on too), hence the cast below.
 */
interface RawExecutor {
  executeQuery(query: RawQuery): Promise<{ rows: unknown[] }>;
}

interface RawQuery {
  sql: string;
  parameters: readonly unknown[];
  query: { kind: 'RawNode' };
  queryId: { queryId: string };
}

const RAW = { kind: 'RawNode' } as const;
const QUERY_ID = { queryId: 'bound-sql' };

export function boundSql(em: EntityManager): BoundSql {
  const executor = (em.getTransactionContext() ?? em.getConnection().getClient()) as unknown as RawExecutor;
  return {
    async query<Row>(sql: string, params: readonly unknown[]) {
      const result = await executor.executeQuery({ sql, parameters: params, query: RAW, queryId: QUERY_ID });
      return result.rows as Row[];
    },
  };
}
