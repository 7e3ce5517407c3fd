import fs from 'node:fs';
import path from 'node:path';

// The data directory holds the database and the generated keys: what Switchboard creates there is
// the owner's alone. Modes are set with chmod after creating, so no umask decides them.
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/** Creates `dir` (and missing parents) readable by the owner only; an existing one is left as it is. */
export function ensurePrivateDir(dir: string): void {
  if (fs.mkdirSync(dir, { recursive: true, mode: DIR_MODE }) !== undefined) fs.chmodSync(dir, DIR_MODE);
}

/**
 * Creates `file` readable by the owner only, holding `contents`. Returns false, touching nothing, when
 * it already exists: a generated key is never overwritten.
 */
export function createPrivateFile(file: string, contents = ''): boolean {
  ensurePrivateDir(path.dirname(file));
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', FILE_MODE);
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'EEXIST') return false;
    throw error;
  }
  try {
    fs.fchmodSync(fd, FILE_MODE);
    fs.writeFileSync(fd, contents);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}
