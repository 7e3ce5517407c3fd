import { randomToken, sha256Hex } from '../../platform/crypto/tokens.js';
import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { recordAudit } from '../audit/service.js';
import type { OrgRole } from '../auth/permissions.js';
import type { Actor, Caller, Principal } from '../auth/principal.js';
import type { Sessions } from '../auth/sessions.js';
import { addMember } from '../members/service.js';
import { findMemberRole } from '../members/store.js';
import { checkCredentials, createUser, normaliseEmail } from '../users/service.js';
import { findAccount, findAccountByEmail } from '../users/store.js';
import {
  claimInvitation,
  deleteOpenInvitation,
  findOpenInvitation,
  insertInvitation,
  listOpenInvitations,
} from './store.js';

const INVITATION_TTL_DAYS = 7;

export interface CreatedInvitation {
  id: string;
  email: string;
  role: string;
  expires_at: string;
  /** The invitation's bearer secret, shown only to whoever created it; stored as a hash. */
  token: string;
  accept_url: string;
}

/** A pending invitation as listed: never its token. */
export interface PendingInvitation {
  id: string;
  email: string;
  role: string;
  invited_by: string | null;
  expires_at: string;
  created_at: string;
}

export interface Acceptance {
  org_id: string;
  user_id: string;
  role: string;
  access_token: string;
  refresh_token: string;
  expires_at: string;
}

/** Invitations to join an org by email, accepted with the token they carry. */
export class InvitationService {
  constructor(
    private readonly db: Db,
    private readonly sessions: Sessions,
    private readonly publicUrl: string,
  ) {}

  /** The org's invitations not yet accepted and not expired, newest first. */
  async pending({ orgId, now }: Caller): Promise<PendingInvitation[]> {
    const rows = await listOpenInvitations(this.db, orgId, now.toISOString());
    return rows.map(({ id, email, role, invited_by, expires_at, created_at }) => ({
      id,
      email,
      role,
      invited_by,
      expires_at,
      created_at,
    }));
  }

  /** Revokes a pending invitation: its token no longer opens anything. */
  async revoke({ orgId, actor, now }: Caller, id: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      if (!(await deleteOpenInvitation(tx, orgId, id, now.toISOString()))) {
        throw new AppError('INVITATION_NOT_FOUND');
      }
      await recordAudit(
        tx,
        actor,
        { orgId, action: 'invitation.revoked', targetType: 'invitation', targetId: id },
        now,
      );
    });
  }

  async create(
    { orgId, actor, now }: Caller,
    inviter: Principal,
    input: { email: string; role: OrgRole },
  ): Promise<CreatedInvitation> {
    const email = normaliseEmail(input.email);
    const token = randomToken(32);
    const invitation = {
      id: newId(),
      org_id: orgId,
      email,
      role: input.role,
      token_hash: sha256Hex(token),
      invited_by: inviter.userId,
      expires_at: new Date(now.getTime() + INVITATION_TTL_DAYS * 86_400_000).toISOString(),
      accepted_at: null,
      created_at: now.toISOString(),
    };
    await this.db.transaction().execute(async (tx) => {
      const user = await findAccountByEmail(tx, email);
      if (user && (await findMemberRole(tx, orgId, user.id)) !== undefined) {
        throw new AppError('ALREADY_MEMBER');
      }
      await insertInvitation(tx, invitation);
      await recordAudit(
        tx,
        actor,
        {
          orgId,
          action: 'invitation.created',
          targetType: 'invitation',
          targetId: invitation.id,
        },
        now,
      );
    });
    return {
      id: invitation.id,
      email,
      role: invitation.role,
      expires_at: invitation.expires_at,
      token,
      accept_url: `${this.publicUrl}/api/v1/invitations/${token}/accept`,
    };
  }

  /**
   * Joins the invitation's org: as the signed-in caller, who must hold the invited email, or else by
   * `password`, which proves the invited account or (with `name`) creates it. Returns tokens for the
   * org joined.
   */
  async accept(
    token: string,
    signedIn: Principal | null,
    credentials: { name?: string; password?: string },
    request: { id: string; ip: string },
    now: Date,
  ): Promise<Acceptance> {
    const invitation = await findOpenInvitation(this.db, sha256Hex(token), now.toISOString());
    if (!invitation) throw new AppError('INVITATION_NOT_FOUND');
    const userId = await this.db.transaction().execute(async (tx) => {
      let user: { id: string; name: string };
      if (signedIn) {
        const me = await findAccount(tx, signedIn.userId ?? '');
        if (signedIn.kind !== 'user' || !me || me.email !== invitation.email) {
          throw new AppError('FORBIDDEN', 'This invitation is for another email address');
        }
        user = me;
      } else {
        const { name, password } = credentials;
        if (!password) {
          throw new AppError('VALIDATION_ERROR', 'password is required to accept without signing in', {
            fields: [{ field: 'password', location: 'body', message: 'is required when not signed in' }],
          });
        }
        user = (await findAccountByEmail(tx, invitation.email))
          ? await checkCredentials(tx, invitation.email, password)
          : await createUser(tx, { email: invitation.email, name: name ?? invitation.email, password }, now);
      }
      if (!(await claimInvitation(tx, invitation.id, now.toISOString()))) {
        throw new AppError('INVITATION_NOT_FOUND');
      }
      if ((await findMemberRole(tx, invitation.org_id, user.id)) === undefined) {
        await addMember(tx, { orgId: invitation.org_id, userId: user.id, role: invitation.role }, now);
      }
      const actor: Actor = {
        type: 'user',
        id: user.id,
        name: user.name,
        requestId: request.id,
        ip: request.ip,
      };
      await recordAudit(
        tx,
        actor,
        {
          orgId: invitation.org_id,
          action: 'invitation.accepted',
          targetType: 'invitation',
          targetId: invitation.id,
        },
        now,
      );
      return user.id;
    });
    const pair = await this.sessions.start(userId, invitation.org_id);
    return {
      org_id: invitation.org_id,
      user_id: userId,
      role: invitation.role,
      access_token: pair.access_token,
      refresh_token: pair.refresh_token,
      expires_at: pair.expires_at,
    };
  }
}
