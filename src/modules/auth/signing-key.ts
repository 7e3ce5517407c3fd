import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config.js';
import { randomToken } from '../../platform/crypto/tokens.js';
import type { Logger } from '../../platform/logging/logger.js';
import { createPrivateFile } from '../../platform/private-files.js';

/**
 * The access-token signing key: from SWITCHBOARD_JWT_SECRET, or, in embedded mode only, generated
 * once into the data directory. Several processes (scale-out) must share a configured key.
 */
export function resolveSigningKey(config: Config, logger: Logger): Uint8Array {
  // loadConfig refuses a PostgreSQL deployment without a configured key.
  if (config.auth.jwtSecret) return new TextEncoder().encode(config.auth.jwtSecret);
  const file = path.join(config.dataDir, 'jwt-secret');
  if (createPrivateFile(file, randomToken(48))) {
    logger.warn(
      { file },
      'SWITCHBOARD_JWT_SECRET is not set: generated a signing key into the data directory',
    );
  }
  return new TextEncoder().encode(fs.readFileSync(file, 'utf8').trim());
}
