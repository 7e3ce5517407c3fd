import { v7 as uuidv7 } from 'uuid';

/** Every stored object's id: a UUIDv7, so ids sort by creation time. */
export const newId = (): string => uuidv7();

/** The time (epoch ms) a UUIDv7 was made at: its first 48 bits. */
export const timeOfId = (id: string): number => Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);

/** The smallest UUIDv7 of a millisecond: every id made at or after `ms` sorts after it. */
export function firstIdAt(ms: number): string {
  const hex = Math.max(0, ms).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8)}-0000-0000-000000000000`;
}
