import { measureServer, startNode } from '../bench/lib.js';

const rounds = Number(process.env.ROUNDS ?? 3);
const procs = [];
for (const v of process.argv.slice(2)) {
  const c = startNode(['--import', 'tsx', 'scratch/variant.ts', v]);
  const url = String((await c.line((l) => l.msg === 'listening')).url);
  await measureServer(c.child.pid!, `${url}/healthz`, { durationSeconds: 2 });
  procs.push({ v, c, url, best: { rps: 0, perCore: 0 } });
}
for (let i = 0; i < rounds; i++)
  for (const p of procs) {
    const r = await measureServer(p.c.child.pid!, `${p.url}/healthz`, { durationSeconds: 3 });
    p.best.rps = Math.max(p.best.rps, r.rps);
    p.best.perCore = Math.max(p.best.perCore, r.perCore);
  }
for (const p of procs) {
  console.log(p.v.padEnd(20), Math.round(p.best.rps), Math.round(p.best.perCore));
  await p.c.stop();
}
