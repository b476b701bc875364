// Job payloads in chunks (issue 4 §1: an input is never held in memory more than once). Generated
// by the MikroORM migrator from job-entities.ts, then completed by hand: rows already stored become
// chunk 0 of their payload, and the way down joins the chunks again. Never edit one that has
// shipped: add a new migration instead.

import { Migration } from '@mikro-orm/migrations';

export class Migration20261128192500_job_payload_chunks extends Migration {

  override name = 'Migration20261128192500_job_payload_chunks';

  override up(): void | Promise<void> {
    // An input is now stored while its request arrives, before its job row exists.
    this.addSql(`alter table "job_payloads" drop constraint "job_payloads_job_id_foreign";`);

    this.addSql(`alter table "job_payloads" drop constraint "job_payloads_pkey";`);
    this.addSql(`alter table "job_payloads" add "seq" int not null default 0;`);
    this.addSql(`alter table "job_payloads" alter column "seq" drop default;`);
    this.addSql(`alter table "job_payloads" add primary key ("job_id", "kind", "seq");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`update "job_payloads" p set "content" = (select string_agg(c."content", ''::bytea order by c."seq") from "job_payloads" c where c."job_id" = p."job_id" and c."kind" = p."kind") where p."seq" = 0;`);
    this.addSql(`delete from "job_payloads" p where p."seq" > 0 or not exists (select 1 from "jobs" j where j."id" = p."job_id");`);
    this.addSql(`alter table "job_payloads" drop constraint "job_payloads_pkey";`);
    this.addSql(`alter table "job_payloads" drop column "seq";`);
    this.addSql(`alter table "job_payloads" add constraint "job_payloads_job_id_foreign" foreign key ("job_id") references "jobs" ("id") on update no action on delete cascade;`);
    this.addSql(`alter table "job_payloads" add primary key ("job_id", "kind");`);
  }

}
