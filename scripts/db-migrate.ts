// `npm run db:migrate`: applies pending database migrations to SLUICE_DATA_DIR (default ./var),
// what `npm start` also does before anything else runs. Useful before an upgrade's first start.
import { mkdirSync } from 'node:fs';
import { applyMigrations, databaseUrlFor } from '@sluice/db';
import { loadApplianceConfig } from './appliance/config';

const { dataDir } = loadApplianceConfig(process.env);
mkdirSync(dataDir, { recursive: true });
const out = await applyMigrations(databaseUrlFor(dataDir));
process.stdout.write(out.trim() ? `${out.trim()}\n` : '');
console.log(`[sluice] database in ${dataDir} is up to date`);
