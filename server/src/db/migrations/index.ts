// Migrations are listed here rather than discovered from the folder: MikroORM's discovery picks
// `path` or `pathTs` by guessing whether TypeScript is supported and imports files found by glob at
// runtime. An explicit list needs neither a build step nor that guess under Node's type stripping.
// A test fails when a file in this folder is missing from the list.
import { Migration20261128165256_accounts_and_api_keys } from './Migration20261128165256_accounts_and_api_keys.ts';
import { Migration20261128180000_identity } from './Migration20261128180000_identity.ts';
import { Migration20261128180100_key_management_and_audit } from './Migration20261128180100_key_management_and_audit.ts';
import { Migration20261128190000_jobs } from './Migration20261128190000_jobs.ts';
import { Migration20261128190100_webhooks } from './Migration20261128190100_webhooks.ts';
import { Migration20261128190200_idempotency_and_usage } from './Migration20261128190200_idempotency_and_usage.ts';
import { Migration20261128190300_data_rights } from './Migration20261128190300_data_rights.ts';
import { Migration20261128192500_job_payload_chunks } from './Migration20261128192500_job_payload_chunks.ts';

import { Migration20261129001540_idempotency_withheld_secrets } from './Migration20261129001540_idempotency_withheld_secrets.ts';
import { Migration20261129001919_usage_status } from './Migration20261129001919_usage_status.ts';
import { Migration20261129023256_refresh_token_purge_indexes } from './Migration20261129023256_refresh_token_purge_indexes.ts';
export const MIGRATIONS = [
  Migration20261128165256_accounts_and_api_keys,
  Migration20261128180000_identity,
  Migration20261128180100_key_management_and_audit,
  Migration20261128190000_jobs,
  Migration20261128190100_webhooks,
  Migration20261128190200_idempotency_and_usage,
  Migration20261128190300_data_rights,
  Migration20261128192500_job_payload_chunks,
  Migration20261129001540_idempotency_withheld_secrets,
  Migration20261129001919_usage_status,
  Migration20261129023256_refresh_token_purge_indexes,
];
