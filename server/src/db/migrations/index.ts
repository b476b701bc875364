// Migrations are listed here rather than discovered from the folder: MikroORM's discovery picks
// `path` or `pathTs` by guessing whether TypeScript is supported and imports files found by glob at
// runtime. An explicit list needs neither a build step nor that guess under Node's type stripping.
// A test fails when a file in this folder is missing from the list.
import { Migration20261128165256_accounts_and_api_keys } from './Migration20261128165256_accounts_and_api_keys.ts';

export const MIGRATIONS = [Migration20261128165256_accounts_and_api_keys];
