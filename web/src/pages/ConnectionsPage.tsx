import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { type ConnectionFilters, listConnections } from '../api/connections';
import { CATEGORIES, CONNECTION_STATUSES, HEALTHS } from '../api/types';
import { paths } from '../app/routes';
import { useApi } from '../app/services';
import { useCan } from '../auth/me';
import { Badge } from '../components/Badge';
import { EmptyState, ErrorMessage, Loading } from '../components/Feedback';
import { FilterSelect, SearchField } from '../components/Filters';
import { Pager } from '../components/Pager';
import { RelativeTime } from '../components/RelativeTime';
import { scrollRegion } from '../components/scroll-region';
import { formatNumber, formatPercent, humanize } from '../format';
import { keys } from '../queries/keys';

type SortKey = NonNullable<ConnectionFilters['sort']>;

const COLUMNS: { label: string; sort?: SortKey }[] = [
  { label: 'Connection', sort: 'name' },
  { label: 'Status', sort: 'status' },
  { label: 'Health', sort: 'health' },
  { label: 'Last sync', sort: 'last_sync_at' },
  { label: 'Success rate' },
  { label: 'Runs' },
];

const SORTS: SortKey[] = ['name', 'status', 'health', 'last_sync_at', 'created_at'];
const PER_PAGE_CHOICES = [20, 50, 100];

export default function ConnectionsPage() {
  const api = useApi();
  const can = useCan();
  const [params, setParams] = useSearchParams();
  const sortParam = params.get('sort');
  const filters: ConnectionFilters = {
    status: params.get('status') ?? undefined,
    health: params.get('health') ?? undefined,
    category: params.get('category') ?? undefined,
    definition_id: params.get('definition_id') ?? undefined,
    search: params.get('search') ?? undefined,
    sort: SORTS.find((sort) => sort === sortParam) ?? 'name',
    order: params.get('order') === 'desc' ? 'desc' : 'asc',
    page: Number(params.get('page') ?? 1) || 1,
    per_page: PER_PAGE_CHOICES.find((n) => String(n) === params.get('per_page')) ?? 20,
  };
  const list = useQuery({
    queryKey: keys.connectionList(filters),
    queryFn: ({ signal }) => listConnections(api, filters, signal),
    placeholderData: keepPreviousData,
  });

  const update = (changes: Record<string, string | undefined>) =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      for (const [name, value] of Object.entries(changes)) {
        if (value) next.set(name, value);
        else next.delete(name);
      }
      if (!('page' in changes)) next.delete('page');
      return next;
    });

  const filtered = Boolean(
    filters.status || filters.health || filters.category || filters.search || filters.definition_id,
  );
  const clear = () => setParams(new URLSearchParams());

  const sortBy = (sort: SortKey) =>
    update({ sort, order: filters.sort === sort && filters.order === 'asc' ? 'desc' : 'asc' });

  const select = (name: 'status' | 'health' | 'category', label: string, options: readonly string[]) => (
    <FilterSelect
      id={`connections-${name}`}
      label={label}
      value={filters[name]}
      options={options}
      onChange={(value) => update({ [name]: value })}
    />
  );

  return (
    <>
      <div className="page-head">
        <h1>Connections</h1>
        {can('connections:create') ? (
          <Link to={paths.catalog()} className="button button--primary">
            Add a connection
          </Link>
        ) : null}
      </div>
      <search aria-label="Filter connections">
        <form className="filters" onSubmit={(e) => e.preventDefault()}>
          <SearchField
            id="connections-search"
            value={filters.search ?? ''}
            placeholder="Name or description"
            onSearch={(text) => update({ search: text })}
          />
          {select('status', 'Status', CONNECTION_STATUSES)}
          {select('health', 'Health', HEALTHS)}
          {select('category', 'Category', CATEGORIES)}
          {filtered ? (
            <button type="button" className="button button--quiet" onClick={clear}>
              Clear filters
            </button>
          ) : null}
        </form>
      </search>

      {list.isPending ? (
        <Loading what="Loading connections" />
      ) : list.isError ? (
        <ErrorMessage error={list.error} retry={() => void list.refetch()} />
      ) : list.data.data.length === 0 ? (
        filtered ? (
          <EmptyState title="No connection matches these filters">
            <p>
              <button type="button" className="button" onClick={clear}>
                Clear the filters
              </button>
            </p>
          </EmptyState>
        ) : (
          <EmptyState title="No connections yet">
            <p>
              {can('connections:create') ? (
                <>
                  Connect your first integration from the <Link to={paths.catalog()}>catalog</Link>.
                </>
              ) : (
                'Someone with a role that can create connections needs to add the first one.'
              )}
            </p>
          </EmptyState>
        )
      ) : (
        <>
          <div {...scrollRegion('Connections')}>
            <table className="health-table" aria-busy={list.isFetching}>
              <caption className="sr-only">
                Connections, sorted by {humanize(filters.sort ?? 'name').toLowerCase()},{' '}
                {filters.order === 'desc' ? 'descending' : 'ascending'}
              </caption>
              <thead>
                <tr>
                  {COLUMNS.map((column) => {
                    const active = column.sort !== undefined && filters.sort === column.sort;
                    return (
                      <th
                        key={column.label}
                        scope="col"
                        aria-sort={
                          active ? (filters.order === 'desc' ? 'descending' : 'ascending') : undefined
                        }
                      >
                        {column.sort ? (
                          <button
                            type="button"
                            className="sort"
                            onClick={() => column.sort && sortBy(column.sort)}
                          >
                            {column.label}
                            <span aria-hidden="true">
                              {active ? (filters.order === 'desc' ? ' ▼' : ' ▲') : ' ↕'}
                            </span>
                          </button>
                        ) : (
                          column.label
                        )}
                      </th>
                    );
                  })}
                </tr>
              </thead>
              <tbody>
                {list.data.data.map((connection) => (
                  <tr key={connection.id}>
                    <th scope="row">
                      <Link to={paths.connection(connection.id)}>{connection.name}</Link>
                      <span className="quiet cell-sub">
                        {connection.integration_name}
                        {connection.instance_label ? ` · ${connection.instance_label}` : ''}
                      </span>
                    </th>
                    <td>
                      <Badge value={connection.status} />
                    </td>
                    <td>
                      <Badge value={connection.health} />
                      {connection.consecutive_failures > 0 ? (
                        <span className="quiet cell-sub">
                          {connection.consecutive_failures} failures in a row
                        </span>
                      ) : null}
                    </td>
                    <td>
                      <RelativeTime value={connection.last_sync_at} empty="never" />
                      {connection.last_sync_status ? (
                        <span className="cell-sub">
                          <Badge value={connection.last_sync_status} label="Last run" />
                        </span>
                      ) : null}
                    </td>
                    <td>{formatPercent(connection.success_rate_pct)}</td>
                    <td>{formatNumber(connection.total_runs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="list-foot">
            <Pager
              pagination={list.data.pagination}
              noun="connections"
              onPage={(page) => update({ page: String(page) })}
            />
            <div className="field field--inline">
              <label htmlFor="connections-per-page">Per page</label>
              <select
                id="connections-per-page"
                value={filters.per_page}
                onChange={(e) => update({ per_page: e.target.value })}
              >
                {PER_PAGE_CHOICES.map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </div>
          </div>
        </>
      )}
    </>
  );
}
