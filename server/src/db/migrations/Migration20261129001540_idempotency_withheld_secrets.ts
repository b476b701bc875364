// Idempotency-Key on operations whose response holds a secret shown once (x-secret-once): their
// stored record keeps no body, only the id of the key or endpoint the secret belongs to. Generated
// by the MikroORM migrator from idempotency-entities.ts. Rows stored before it (webhook endpoint
// creations, sealed) still replay until they expire, IDEMPOTENCY_TTL_S after they were made.

import { Migration } from '@mikro-orm/migrations';

export class Migration20261129001540_idempotency_withheld_secrets extends Migration {

  override name = 'Migration20261129001540_idempotency_withheld_secrets';

  override up(): void | Promise<void> {
    this.addSql(`alter table "idempotency_keys" add "resource_id" text null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "idempotency_keys" drop column "resource_id";`);
  }

}
