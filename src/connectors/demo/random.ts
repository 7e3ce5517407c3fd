/**
 * Small deterministic generators for the demo data. Not for anything secret: they are chosen for
 * speed and reproducibility, so every record can be rebuilt from (seed, entity, index) alone.
 */

/** mulberry32: a 32-bit PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** lowbias32: a bijection on 32-bit integers, so distinct inputs always give distinct outputs. */
export function mix32(value: number): number {
  let x = value >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** FNV-1a over the string's UTF-16 code units, then mixed: a 32-bit key for a named stream. */
export function hashKey(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix32(h);
}

/** The PRNG for item `index` of the stream `key`: random access, no state carried between items. */
export function itemRandom(key: number, index: number): () => number {
  return mulberry32(mix32((key + Math.imul(index, 0x9e3779b9)) >>> 0));
}

/** An integer in [min, max). */
export function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min));
}

export function pick<T>(random: () => number, items: readonly [T, ...T[]]): T {
  return items[Math.floor(random() * items.length)] ?? items[0];
}

/** A 32-bit value as 8 lowercase hex digits. */
export function hex8(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}
