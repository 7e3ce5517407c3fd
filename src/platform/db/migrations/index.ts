import type { Kysely } from 'kysely';
import type { ColumnTypes } from '../column-types.js';
import { systemSettings } from './0001_system_settings.js';
import { identity } from './0002_identity.js';
import { integrations } from './0003_integrations.js';
import { connectionCredentials } from './0004_connection_credentials.js';
import { connectionSortIndexes } from './0005_connection_sort_indexes.js';
import { oauthStates } from './0006_oauth_states.js';
import { sync } from './0007_sync.js';
import { userCredentials } from './0008_user_credentials.js';
import { connectionListIndexes } from './0009_connection_list_indexes.js';
import { events } from './0010_events.js';
import { webhooks } from './0011_webhooks.js';
import { webhookEndpoints } from './0012_webhook_endpoints.js';
import { activityIndexes } from './0013_activity_indexes.js';
import { webhookCounts } from './0014_webhook_counts.js';
import { recordSearch } from './0015_record_search.js';
import { dashboardIndexes } from './0016_dashboard_indexes.js';
import { runItemsSynced } from './0017_run_items_synced.js';
import { connectionLastFullSync } from './0018_connection_last_full_sync.js';
import { publishedKeyExpiry } from './0019_published_key_expiry.js';

/** A migration receives the column types of the dialect it runs on, so one set serves both. */
export interface SchemaMigration {
  up(db: Kysely<unknown>, types: ColumnTypes): Promise<void>;
}

/** Applied in key order; never rename or edit a migration that has shipped. */
export const migrations: Record<string, SchemaMigration> = {
  '0001_system_settings': systemSettings,
  '0002_identity': identity,
  '0003_integrations': integrations,
  '0004_connection_credentials': connectionCredentials,
  '0005_connection_sort_indexes': connectionSortIndexes,
  '0006_oauth_states': oauthStates,
  '0007_sync': sync,
  '0008_user_credentials': userCredentials,
  '0009_connection_list_indexes': connectionListIndexes,
  '0010_events': events,
  '0011_webhooks': webhooks,
  '0012_webhook_endpoints': webhookEndpoints,
  '0013_activity_indexes': activityIndexes,
  '0014_webhook_counts': webhookCounts,
  '0015_record_search': recordSearch,
  '0016_dashboard_indexes': dashboardIndexes,
  '0017_run_items_synced': runItemsSynced,
  '0018_connection_last_full_sync': connectionLastFullSync,
  '0019_published_key_expiry': publishedKeyExpiry,
};
