// Entry point of the sync benchmark's provider process: the paged fake provider of the tests
// (`GET /items?page=N&per_page=M` → `{ data, next_page }`, bearer-token auth) serving
// `process.argv[2]` records. A process of its own, so that generating and serialising pages does
// not compete with the engine (or the bare loop) for their event loop.
import { startPagedProvider } from '../../test/fakes/paged-provider.js';

export const PROVIDER_TOKEN = 'bench-token';

// Exit normally on a signal, so that --cpu-prof and similar flags get to write their output.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));

const total = Number(process.argv[2]);
if (!Number.isInteger(total) || total < 1)
  throw new Error(`usage: provider.ts RECORDS (got ${process.argv[2]})`);
const provider = await startPagedProvider({ total, token: PROVIDER_TOKEN });
// The fake keeps every request it answered (tests read them); a million records are 10,000 of them.
// Its pid, for the bench to read the CPU it spends serving the bare loop (/proc).
process.stdout.write(`${JSON.stringify({ msg: 'listening', url: provider.url, total, pid: process.pid })}\n`);
