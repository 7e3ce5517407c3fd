import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ACTOR_TYPES, type AuditFilters, listAudit } from '../api/org';
import { useApi } from '../app/services';
import { EmptyState, ErrorMessage, Loading } from '../components/Feedback';
import { FilterSelect } from '../components/Filters';
import { Pager } from '../components/Pager';
import { RelativeTime } from '../components/RelativeTime';
import { scrollRegion } from '../components/scroll-region';
import { useDebounced } from '../components/useDebounced';
import { humanize } from '../format';
import { keys } from '../queries/keys';

const FIRST: AuditFilters = { page: 1, per_page: 50 };

/** A `datetime-local` value as the API's ISO time (the browser's own zone), or nothing. */
const isoOf = (local: string) => (local ? new Date(local).toISOString() : undefined);

/** Who did what to which, newest first, with the audit endpoint's filters. */
export default function AuditLogPage() {
  const api = useApi();
  const [filters, setFilters] = useState<AuditFilters>(FIRST);
  const set = (change: Partial<AuditFilters>) =>
    setFilters((current) => ({ ...current, ...change, page: 1 }));
  const entries = useQuery({
    queryKey: keys.auditList(filters),
    queryFn: ({ signal }) => listAudit(api, filters, signal),
    placeholderData: keepPreviousData,
  });
  const filtered = Object.entries(filters).some(
    ([name, value]) => name !== 'page' && name !== 'per_page' && value !== undefined,
  );
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Audit log</h1>
          <p className="quiet">
            Every change made in this organisation, by people, API keys and Switchboard itself.
          </p>
        </div>
      </div>
      <div className="filters">
        <TextFilter
          id="audit-action"
          label="Action"
          placeholder="e.g. api_key.created"
          value={filters.action}
          onChange={(action) => set({ action })}
        />
        <FilterSelect
          id="audit-actor"
          label="Actor"
          value={filters.actor_type}
          options={ACTOR_TYPES}
          any="Anyone"
          onChange={(actor_type) => set({ actor_type })}
        />
        <TextFilter
          id="audit-target"
          label="Target type"
          placeholder="e.g. connection"
          value={filters.target_type}
          onChange={(target_type) => set({ target_type })}
        />
        <div className="field">
          <label htmlFor="audit-from">From</label>
          <input
            id="audit-from"
            type="datetime-local"
            onChange={(e) => set({ from: isoOf(e.target.value) })}
          />
        </div>
        <div className="field">
          <label htmlFor="audit-to">Until</label>
          <input id="audit-to" type="datetime-local" onChange={(e) => set({ to: isoOf(e.target.value) })} />
        </div>
      </div>
      {entries.isPending ? (
        <Loading what="Loading the audit log" />
      ) : entries.isError ? (
        <ErrorMessage error={entries.error} retry={() => void entries.refetch()} />
      ) : entries.data.data.length === 0 ? (
        <EmptyState title={filtered ? 'No entries match' : 'Nothing audited yet'}>
          <p>
            {filtered
              ? 'Widen the filters or the time range.'
              : 'Changes to connections, keys and members show here.'}
          </p>
        </EmptyState>
      ) : (
        <>
          <div {...scrollRegion('Audit entries')}>
            <table aria-busy={entries.isFetching}>
              <caption className="sr-only">Audit entries, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Action</th>
                  <th scope="col">Target</th>
                  <th scope="col">Changed</th>
                </tr>
              </thead>
              <tbody>
                {entries.data.data.map((entry) => (
                  <tr key={entry.id}>
                    <th scope="row">
                      <RelativeTime value={entry.created_at} />
                    </th>
                    <td>
                      {entry.actor_name ?? humanize(entry.actor_type)}
                      <span className="cell-sub">
                        {humanize(entry.actor_type)}
                        {entry.ip ? ` · ${entry.ip}` : ''}
                      </span>
                    </td>
                    <td>
                      <code>{entry.action}</code>
                    </td>
                    <td>
                      {humanize(entry.target_type)}
                      {entry.target_id ? (
                        <span className="cell-sub">
                          <code>{entry.target_id}</code>
                        </span>
                      ) : null}
                    </td>
                    <td>{entry.changed_fields.length > 0 ? entry.changed_fields.join(', ') : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            pagination={entries.data.pagination}
            noun="entries"
            onPage={(page) => setFilters({ ...filters, page })}
          />
        </>
      )}
    </>
  );
}

interface TextFilterProps {
  id: string;
  label: string;
  placeholder: string;
  value: string | undefined;
  onChange: (value: string | undefined) => void;
}

/** A free-text filter applied once typing pauses. */
function TextFilter({ id, label, placeholder, value, onChange }: TextFilterProps) {
  const [text, setText] = useState(value ?? '');
  const apply = useDebounced((next: string) => onChange(next.trim() || undefined));
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={text}
        placeholder={placeholder}
        onChange={(e) => {
          setText(e.target.value);
          apply(e.target.value);
        }}
      />
    </div>
  );
}
