/**
 * JSON text with object keys sorted and undefined dropped: two values equal as JSON give the same
 * text, whatever their key order (PostgreSQL's jsonb reorders keys; clients send them any order).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
