import type { Db } from '../../../platform/db/database.js';
import { AppError } from '../../../platform/errors.js';
import type { PageQuery } from '../../../platform/http/envelope.js';
import type { Caller } from '../../auth/principal.js';
import { findConnection } from '../../connections/store.js';
import { type EvidenceFilter, findEvidence, listEvidence } from '../storage/evidence.js';

/**
 * The evidence a connection's syncs collected (the snapshots a compliance team files): each item's
 * kind, summary and content hash, and its data.
 */
export class EvidenceService {
  constructor(private readonly db: Db) {}

  async list({ orgId }: Caller, id: string, filter: EvidenceFilter, page: PageQuery) {
    await this.#connection(orgId, id);
    return listEvidence(this.db, id, filter, page);
  }

  async get({ orgId }: Caller, id: string, evidenceId: string) {
    await this.#connection(orgId, id);
    const item = await findEvidence(this.db, id, evidenceId);
    if (!item) throw new AppError('EVIDENCE_NOT_FOUND');
    return item;
  }

  async #connection(orgId: string, id: string): Promise<void> {
    if (!(await findConnection(this.db, orgId, id))) throw new AppError('CONNECTION_NOT_FOUND');
  }
}
