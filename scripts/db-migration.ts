// `make migration NAME=what_changed`: writes the next migration from the difference between the
// entities (server/src/db/entities.ts) and a database migrated to the latest committed migration,
// and lists it in migrations/index.ts. Uses DATABASE_URL, or the embedded database in DATA_DIR.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../server/src/config.ts';
import { openDatabase } from '../server/src/db/orm.ts';

const MIGRATIONS_DIR = join(import.meta.dirname, '..', 'server', 'src', 'db', 'migrations');
const INDEX = join(MIGRATIONS_DIR, 'index.ts');

const { values } = parseArgs({ options: { name: { type: 'string' } } });
if (!values.name || !/^[a-z][a-z0-9_]*$/.test(values.name)) {
  process.stderr.write('usage: make migration NAME=snake_case_description\n');
  process.exit(2);
}

const db = await openDatabase(loadConfig());
try {
  await db.migrate();
  const result = await db.orm.migrator.create(MIGRATIONS_DIR, false, false, values.name);
  if (!result.fileName) {
    process.stderr.write('no schema difference: nothing to write\n');
  } else {
    const className = result.fileName.replace(/\.ts$/, '');
    const index = readFileSync(INDEX, 'utf8')
      .replace(/(\nexport const MIGRATIONS = \[)/, `\nimport { ${className} } from './${result.fileName}';$1`)
      .replace(/\n\];\s*$/, `\n  ${className},\n];\n`);
    writeFileSync(INDEX, index);
    process.stderr.write(`wrote server/src/db/migrations/${result.fileName}; review it, then commit it with the entity change\n`);
  }
} finally {
  await db.close();
}
