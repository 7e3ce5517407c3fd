import { v7 as uuidv7 } from 'uuid';

/** Every stored object's id: a UUIDv7, so ids sort by creation time. */
export const newId = (): string => uuidv7();
