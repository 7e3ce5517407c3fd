import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import {
  changeRole,
  type Invitation,
  invite,
  listInvitations,
  listMembers,
  type Member,
  type MemberFilters,
  ROLES,
  removeMember,
  revokeInvitation,
} from '../api/org';
import { useApi } from '../app/services';
import { useCan, useMe } from '../auth/me';
import { roleLabel } from '../auth/permissions';
import { EmptyState, ErrorMessage, Loading } from '../components/Feedback';
import { FilterSelect } from '../components/Filters';
import { Pager } from '../components/Pager';
import { RelativeTime } from '../components/RelativeTime';
import { SecretOnce } from '../components/SecretOnce';
import { scrollRegion } from '../components/scroll-region';
import { keys } from '../queries/keys';

/** The org's members (change role, remove) and invitations by email; changes need `members:manage`. */
export default function MembersPage() {
  const me = useMe();
  const can = useCan();
  const orgId = me.data?.org.id ?? '';
  const [invited, setInvited] = useState<Invitation | null>(null);
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Members and invitations</h1>
          <p className="quiet">Who belongs to {me.data?.org.name ?? 'this organisation'}, with which role.</p>
        </div>
      </div>
      {can('members:manage') ? (
        <section className="panel" aria-labelledby="invite-title">
          <h2 id="invite-title">Invite someone</h2>
          {invited ? (
            <SecretOnce
              label="Invitation link"
              value={invited.accept_url}
              hint={`Send it to ${invited.email} (${roleLabel(invited.role)}): it works once, until ${new Date(invited.expires_at).toLocaleString()}.`}
              onDismiss={() => setInvited(null)}
            />
          ) : null}
          <InviteForm orgId={orgId} onInvited={setInvited} />
          <h3 id="pending-title">Pending invitations</h3>
          {orgId ? <PendingInvitations orgId={orgId} /> : <Loading />}
        </section>
      ) : null}
      <section className="panel" aria-labelledby="members-title">
        <h2 id="members-title">Members</h2>
        {orgId ? <MemberTable orgId={orgId} selfId={me.data?.user?.id} /> : <Loading />}
      </section>
    </>
  );
}

function InviteForm({ orgId, onInvited }: { orgId: string; onInvited: (invitation: Invitation) => void }) {
  const api = useApi();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<string>('member');
  const send = useMutation({
    mutationFn: () => invite(api, orgId, email.trim(), role),
    onSuccess: (invitation) => {
      setEmail('');
      onInvited(invitation);
    },
  });
  return (
    <form
      className="form"
      aria-label="Invite by email"
      onSubmit={(event: FormEvent) => {
        event.preventDefault();
        send.mutate();
      }}
    >
      <div className="field-row">
        <div className="field">
          <label htmlFor="invite-email">Email</label>
          <input
            id="invite-email"
            type="email"
            required
            autoComplete="off"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="invite-role">Role</label>
          <select id="invite-role" value={role} onChange={(e) => setRole(e.target.value)}>
            {ROLES.map((option) => (
              <option key={option} value={option}>
                {roleLabel(option)}
              </option>
            ))}
          </select>
        </div>
      </div>
      {send.isError ? <ErrorMessage error={send.error} title="The invitation was not sent" /> : null}
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={send.isPending}>
          {send.isPending ? 'Inviting…' : 'Invite'}
        </button>
      </div>
    </form>
  );
}

function MemberTable({ orgId, selfId }: { orgId: string; selfId: string | undefined }) {
  const api = useApi();
  const [filters, setFilters] = useState<MemberFilters>({
    page: 1,
    per_page: 20,
    sort: 'name',
    order: 'asc',
  });
  const members = useQuery({
    queryKey: keys.memberList(filters),
    queryFn: ({ signal }) => listMembers(api, orgId, filters, signal),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <div className="filters">
        <FilterSelect
          id="members-role"
          label="Role"
          value={filters.role}
          options={ROLES}
          onChange={(role) => setFilters({ ...filters, role, page: 1 })}
        />
      </div>
      {members.isPending ? (
        <Loading what="Loading members" />
      ) : members.isError ? (
        <ErrorMessage error={members.error} retry={() => void members.refetch()} />
      ) : members.data.data.length === 0 ? (
        <EmptyState title={filters.role ? `No ${roleLabel(filters.role)} members` : 'No members'}>
          <p>{filters.role ? 'Choose another role.' : 'Invite someone by email above.'}</p>
        </EmptyState>
      ) : (
        <>
          <div {...scrollRegion('Members')}>
            <table aria-busy={members.isFetching}>
              <caption className="sr-only">Members</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Role</th>
                  <th scope="col">Last sign-in</th>
                  <th scope="col">Joined</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {members.data.data.map((member) => (
                  <MemberRow key={member.id} orgId={orgId} member={member} self={member.id === selfId} />
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            pagination={members.data.pagination}
            noun="members"
            onPage={(page) => setFilters({ ...filters, page })}
          />
        </>
      )}
    </>
  );
}

function MemberRow({ orgId, member, self }: { orgId: string; member: Member; self: boolean }) {
  const api = useApi();
  const can = useCan();
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: keys.members });
  const role = useMutation({
    mutationFn: (next: string) => changeRole(api, orgId, member.id, next),
    onSettled: refresh,
  });
  const remove = useMutation({ mutationFn: () => removeMember(api, orgId, member.id), onSuccess: refresh });
  const manage = can('members:manage');
  const name = member.name || member.email;
  return (
    <tr>
      <th scope="row">
        {name}
        {self ? ' (you)' : ''}
        <span className="cell-sub">{member.email}</span>
        {!member.is_active ? <span className="cell-sub">Deactivated</span> : null}
      </th>
      <td>
        {manage ? (
          <>
            <label htmlFor={`role-${member.id}`} className="sr-only">
              Role of {name}
            </label>
            <select
              id={`role-${member.id}`}
              value={role.isPending ? role.variables : member.role}
              disabled={role.isPending}
              onChange={(e) => role.mutate(e.target.value)}
            >
              {ROLES.map((option) => (
                <option key={option} value={option}>
                  {roleLabel(option)}
                </option>
              ))}
            </select>
          </>
        ) : (
          roleLabel(member.role)
        )}
        {role.isError ? <ErrorMessage error={role.error} title="The role was not changed" /> : null}
      </td>
      <td>
        <RelativeTime value={member.last_login_at} empty="never" />
      </td>
      <td>
        <RelativeTime value={member.joined_at} />
      </td>
      <td>
        {manage && !self ? (
          <button
            type="button"
            className="button button--danger"
            disabled={remove.isPending}
            onClick={() => {
              if (window.confirm(`Remove ${name} from the organisation? Their sessions here end at once.`))
                remove.mutate();
            }}
          >
            Remove<span className="sr-only"> {name}</span>
          </button>
        ) : null}
        {remove.isError ? <ErrorMessage error={remove.error} title="Not removed" /> : null}
      </td>
    </tr>
  );
}

/** Invitations sent and not yet used: who, which role, until when; revoking one voids its link. */
function PendingInvitations({ orgId }: { orgId: string }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const pending = useQuery({
    queryKey: [...keys.invitations, orgId],
    queryFn: ({ signal }) => listInvitations(api, orgId, signal),
  });
  const revoke = useMutation({
    mutationFn: (id: string) => revokeInvitation(api, orgId, id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.invitations }),
  });
  if (pending.isPending) return <Loading />;
  if (pending.isError)
    return <ErrorMessage error={pending.error} title="Pending invitations could not be read" />;
  if (pending.data.length === 0) {
    return (
      <p className="hint">
        No invitation is waiting. Invite someone above; an unused link expires after 7 days.
      </p>
    );
  }
  return (
    <>
      <ul aria-labelledby="pending-title">
        {pending.data.map((invitation) => (
          <li key={invitation.id}>
            {invitation.email} ({roleLabel(invitation.role)}), expires{' '}
            <RelativeTime value={invitation.expires_at} />{' '}
            <button
              type="button"
              className="button button--danger"
              disabled={revoke.isPending}
              onClick={() => {
                if (window.confirm(`Revoke the invitation of ${invitation.email}? Its link stops working.`))
                  revoke.mutate(invitation.id);
              }}
            >
              Revoke<span className="sr-only"> the invitation of {invitation.email}</span>
            </button>
          </li>
        ))}
      </ul>
      {revoke.isError ? <ErrorMessage error={revoke.error} title="The invitation was not revoked" /> : null}
    </>
  );
}
