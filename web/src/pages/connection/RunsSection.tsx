import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { listRuns, type RunFilters } from '../../api/connections';
import { RUN_STATUSES } from '../../api/types';
import { paths, routeBuilt } from '../../app/routes';
import { useApi } from '../../app/services';
import { Badge } from '../../components/Badge';
import { EmptyState, ErrorMessage, Loading } from '../../components/Feedback';
import { FilterSelect } from '../../components/Filters';
import { Pager } from '../../components/Pager';
import { RelativeTime } from '../../components/RelativeTime';
import { scrollRegion } from '../../components/scroll-region';
import { formatDuration, formatNumber, humanize } from '../../format';
import { keys } from '../../queries/keys';

/** The connection's run history, newest first, with a status filter. */
export function RunsSection({ id }: { id: string }) {
  const api = useApi();
  const [filters, setFilters] = useState<RunFilters>({ page: 1, per_page: 10 });
  const runs = useQuery({
    queryKey: keys.connectionRuns(id, filters),
    queryFn: ({ signal }) => listRuns(api, id, filters, signal),
    placeholderData: keepPreviousData,
  });
  const runPage = routeBuilt('/connections/:id/runs/:runId');
  return (
    <>
      <div className="filters">
        <FilterSelect
          id="runs-status"
          label="Status"
          value={filters.status}
          options={RUN_STATUSES}
          onChange={(status) => setFilters({ ...filters, status, page: 1 })}
        />
      </div>
      {runs.isPending ? (
        <Loading what="Loading runs" />
      ) : runs.isError ? (
        <ErrorMessage error={runs.error} retry={() => void runs.refetch()} />
      ) : runs.data.data.length === 0 ? (
        <EmptyState
          title={filters.status ? `No ${humanize(filters.status).toLowerCase()} runs` : 'No runs yet'}
        >
          <p>Runs appear here when a sync starts: on the schedule once enabled, or with “Sync now”.</p>
        </EmptyState>
      ) : (
        <>
          <div {...scrollRegion('Sync runs')}>
            <table aria-busy={runs.isFetching}>
              <caption className="sr-only">Sync runs, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Queued</th>
                  <th scope="col">Status</th>
                  <th scope="col">Trigger</th>
                  <th scope="col">Duration</th>
                  <th scope="col">Items synced</th>
                  <th scope="col">Items failed</th>
                  <th scope="col">Log lines (info / warn / error)</th>
                </tr>
              </thead>
              <tbody>
                {runs.data.data.map((run) => (
                  <tr key={run.id}>
                    <th scope="row">
                      {runPage ? (
                        <Link to={paths.run(id, run.id)}>
                          <RelativeTime value={run.queued_at} />
                        </Link>
                      ) : (
                        <RelativeTime value={run.queued_at} />
                      )}
                      {run.error_message ? (
                        <span className="cell-sub text-bad">{run.error_message}</span>
                      ) : null}
                    </th>
                    <td>
                      <Badge value={run.status} />
                      {run.retry_count > 0 ? <span className="cell-sub">retry {run.retry_count}</span> : null}
                    </td>
                    <td>
                      {humanize(run.trigger)}
                      {run.full_sync ? ', full' : ''}
                      {run.triggered_by_name ? (
                        <span className="cell-sub">by {run.triggered_by_name}</span>
                      ) : null}
                    </td>
                    <td>{run.status === 'running' ? 'running…' : formatDuration(run.duration_ms)}</td>
                    <td>{formatNumber(run.stats.items_synced ?? 0)}</td>
                    <td>{formatNumber(run.stats.items_failed ?? 0)}</td>
                    <td>
                      {formatNumber(run.log_counts.info)} / {formatNumber(run.log_counts.warn)} /{' '}
                      {formatNumber(run.log_counts.error)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            pagination={runs.data.pagination}
            noun="runs"
            onPage={(page) => setFilters({ ...filters, page })}
          />
        </>
      )}
    </>
  );
}
