import type { Connector, StoredRecords } from '../../../connectors/sdk.js';
import type { Db } from '../../../platform/db/database.js';
import { AppError } from '../../../platform/errors.js';
import type { Caller } from '../../auth/principal.js';
import { findConnection } from '../../connections/store.js';
import { lastSyncedAt, storedRecords } from '../storage/record-reader.js';

/**
 * A connection's preview (spec: integration-engine-api.md §7, endpoint #25): its connector's summary
 * of the records the last completed sync stored, never a call to the provider.
 */
export class PreviewService {
  constructor(
    private readonly db: Db,
    private readonly connectors: readonly Connector[],
  ) {}

  async preview({ orgId }: Caller, id: string) {
    const row = await findConnection(this.db, orgId, id);
    if (!row) throw new AppError('CONNECTION_NOT_FOUND');
    const connector = this.connectors.find((c) => c.definition.slug === row.connector);
    if (!connector?.preview)
      throw new AppError('PREVIEW_UNSUPPORTED', undefined, { connector: row.connector });
    const syncedAt = await lastSyncedAt(this.db, id);
    if (syncedAt === null) throw new AppError('CONNECTION_NOT_SYNCED');
    const records: StoredRecords = { each: (entity) => storedRecords(this.db, id, entity) };
    // The config without its secrets: a preview reads the records, not the provider.
    const preview = await connector.preview(records, row.config);
    return { provider: connector.definition.provider, preview, last_synced_at: syncedAt };
  }
}
