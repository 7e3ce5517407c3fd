// `npm run bench [name…]`: runs the named benchmarks (all by default); exits 1 if a target is missed.
import { benchAuth } from './auth/index.js';
import { benchConnections } from './connections/index.js';
import { benchConnectors } from './connectors/index.js';
import { benchDashboard } from './dashboard/index.js';
import { benchHttp } from './http/index.js';
import { benchSync } from './sync/index.js';
import { benchWeb } from './web/index.js';
import { benchWebhooks } from './webhooks/index.js';

const benches: Record<string, () => Promise<boolean>> = {
  http: benchHttp,
  auth: benchAuth,
  connections: benchConnections,
  sync: benchSync,
  connectors: benchConnectors,
  webhooks: benchWebhooks,
  dashboard: benchDashboard,
  web: benchWeb,
};

const chosen = process.argv.slice(2);
const names = chosen.length > 0 ? chosen : Object.keys(benches);
let allMet = true;
for (const name of names) {
  const bench = benches[name];
  if (!bench) {
    process.stderr.write(`unknown benchmark "${name}"; known: ${Object.keys(benches).join(', ')}\n`);
    process.exit(2);
  }
  allMet = (await bench()) && allMet;
}
process.exit(allMet ? 0 : 1);
