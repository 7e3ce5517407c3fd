import { cpuSeconds } from '../../lib.js';

/** CPU seconds so far of each process still there, by pid. */
export function cpuOf(pids: number[]): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const pid of pids) {
    try {
      cpu.set(pid, cpuSeconds(pid));
    } catch {
      // A backend that went away.
    }
  }
  return cpu;
}

/** CPU seconds each process (of those read `before`) used since, by pid. */
export function cpuSince(before: Map<number, number>): Map<number, number> {
  const used = new Map<number, number>();
  for (const [pid, seconds] of cpuOf([...before.keys()])) used.set(pid, seconds - before.get(pid)!);
  return used;
}

export const total = (used: Map<number, number>) => [...used.values()].reduce((a, b) => a + b, 0);
