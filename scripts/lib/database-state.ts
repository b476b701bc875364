// What a restored backup must reproduce of its source, read the same way from both (backup-verify.ts):
// the migrations applied, every table's row count, every sequence's position and the triggers.
// Read inside the snapshot pg_dump used, the source's counts are exactly what the dump holds.
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditRecord } from '../../server/src/db/audit-entities.ts';
import { newId } from '../../server/src/db/ids.ts';

export interface DatabaseState {
  /** Migration names in the order they were applied. */
  migrations: string[];
  /** "schema.table" → rows, every table outside PostgreSQL's own schemas (pg-boss's included). */
  tables: Record<string, number>;
  /** "schema.sequence" → its last value ("unset" before its first nextval). */
  sequences: Record<string, string>;
  /** "schema.table.trigger" with its enabled state, user triggers only. */
  triggers: string[];
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
const USER_SCHEMAS = `n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp%'`;

export async function readState(em: EntityManager, migrationsTable: string): Promise<DatabaseState> {
  const rows = <T>(sql: string) => em.execute<T[]>(sql);
  const migrations = (await rows<{ name: string }>(`select name from ${quote(migrationsTable)} order by id`)).map((r) => r.name);
  const tableNames = await rows<{ schema: string; name: string }>(
    `select n.nspname as schema, c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('r', 'p') and ${USER_SCHEMAS} order by 1, 2`,
  );
  const tables: Record<string, number> = {};
  for (const { schema, name } of tableNames) {
    const [count] = await rows<{ n: string }>(`select count(*)::text as n from ${quote(schema)}.${quote(name)}`);
    tables[`${schema}.${name}`] = Number(count!.n);
  }
  const sequences = Object.fromEntries(
    (await rows<{ schema: string; name: string; last: string | null }>(
      'select schemaname as schema, sequencename as name, last_value::text as last from pg_sequences order by 1, 2',
    )).map((s) => [`${s.schema}.${s.name}`, s.last ?? 'unset']),
  );
  const triggers = (
    await rows<{ schema: string; table: string; name: string; enabled: string }>(
      `select n.nspname as schema, c.relname as table, t.tgname as name, t.tgenabled as enabled
       from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
       where not t.tgisinternal and ${USER_SCHEMAS} order by 1, 2, 3`,
    )
  ).map((t) => `${t.schema}.${t.table}.${t.name} (${t.enabled === 'D' ? 'disabled' : 'enabled'})`);
  return { migrations, tables, sequences, triggers };
}

/** What differs between the source and its restored copy, one line each; empty when they agree. */
export function compareStates(source: DatabaseState, restored: DatabaseState): string[] {
  const problems: string[] = [];
  if (source.migrations.join('\n') !== restored.migrations.join('\n')) {
    problems.push(`migrations: source at ${source.migrations.at(-1) ?? 'none'} (${source.migrations.length}), restored at ${restored.migrations.at(-1) ?? 'none'} (${restored.migrations.length})`);
  }
  for (const [kind, a, b] of [['table', source.tables, restored.tables] as const, ['sequence', source.sequences, restored.sequences] as const]) {
    for (const name of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!(name in b)) problems.push(`${kind} ${name}: missing from the restored database`);
      else if (!(name in a)) problems.push(`${kind} ${name}: not in the source`);
      else if (a[name] !== b[name]) problems.push(`${kind} ${name}: ${a[name]} in the source, ${b[name]} restored`);
    }
  }
  for (const trigger of source.triggers.filter((t) => !restored.triggers.includes(t))) problems.push(`trigger ${trigger}: missing from the restored database`);
  for (const trigger of restored.triggers.filter((t) => !source.triggers.includes(t))) problems.push(`trigger ${trigger}: not in the source`);
  return problems;
}

const INSUFFICIENT_PRIVILEGE = '42501';

/**
 * The audit log must still refuse UPDATE, DELETE and TRUNCATE once restored: a restore that lost its
 * triggers would leave the trail editable. Tried for real, so run it on a scratch copy only: it
 * adds one event.
 */
export async function auditLogProblems(em: EntityManager): Promise<string[]> {
  const id = newId('aud');
  await em.insert(AuditRecord, { id, actorType: 'system', action: 'backup.verify', outcome: 'success', details: {}, createdAt: new Date() });
  const table = em.getMetadata().get(AuditRecord).tableName;
  const attempts: [string, () => Promise<unknown>][] = [
    ['UPDATE', () => em.nativeUpdate(AuditRecord, { id }, { action: 'backup.verify.changed' })],
    ['DELETE', () => em.nativeDelete(AuditRecord, { id })],
    ['TRUNCATE', () => em.execute(`truncate ${quote(table)}`)],
  ];
  const problems: string[] = [];
  for (const [statement, attempt] of attempts) {
    try {
      await attempt();
      problems.push(`audit log: ${statement} on ${table} was allowed (its append-only trigger is missing)`);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== INSUFFICIENT_PRIVILEGE) throw error;
    }
  }
  return problems;
}
