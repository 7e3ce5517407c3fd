import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import {
  isActiveRun,
  LOG_LEVELS,
  type LogFilters,
  type LogLevel,
  listRunLogs,
  RUN_POLL_MS,
  type RunDetail,
} from '../../api/runs';
import { useApi } from '../../app/services';
import { Badge } from '../../components/Badge';
import { EmptyState, ErrorMessage, Loading } from '../../components/Feedback';
import { SearchField } from '../../components/Filters';
import { Pager } from '../../components/Pager';
import { RelativeTime } from '../../components/RelativeTime';
import { formatNumber } from '../../format';
import { keys } from '../../queries/keys';

/** The run's structured log, oldest first: level filter, text search and paging map to the endpoint's parameters. */
export function RunLogs({ run }: { run: RunDetail }) {
  const api = useApi();
  const [filters, setFilters] = useState<LogFilters>({ page: 1, per_page: 50 });
  const logs = useQuery({
    queryKey: keys.runLogs(run.connection_id, run.id, filters),
    queryFn: ({ signal }) => listRunLogs(api, run.connection_id, run.id, filters, signal),
    placeholderData: keepPreviousData,
    refetchInterval: isActiveRun(run.status) ? RUN_POLL_MS : false,
  });
  const counts = run.log_counts;
  const filtered = filters.level !== undefined || filters.search !== undefined;
  return (
    <>
      <div className="filters">
        <div className="field">
          <label htmlFor="log-level">Level</label>
          <select
            id="log-level"
            value={filters.level ?? ''}
            onChange={(event) =>
              setFilters({
                ...filters,
                level: (event.target.value || undefined) as LogLevel | undefined,
                page: 1,
              })
            }
          >
            <option value="">All levels</option>
            {LOG_LEVELS.map((level) => (
              <option key={level} value={level}>
                {level} ({formatNumber(counts[level])})
              </option>
            ))}
          </select>
        </div>
        <SearchField
          id="log-search"
          value={filters.search ?? ''}
          placeholder="Words in the message"
          onSearch={(search) => setFilters({ ...filters, search, page: 1 })}
        />
      </div>
      {logs.isPending ? (
        <Loading what="Loading the log" />
      ) : logs.isError ? (
        <ErrorMessage error={logs.error} retry={() => void logs.refetch()} />
      ) : logs.data.data.length === 0 ? (
        <EmptyState title={filtered ? 'No log lines match' : 'No log lines yet'}>
          <p>
            {filtered
              ? 'Choose another level or change the search.'
              : isActiveRun(run.status)
                ? 'Lines appear here as the run writes them.'
                : 'This run wrote no log.'}
          </p>
        </EmptyState>
      ) : (
        <>
          <ol className="list log" aria-busy={logs.isFetching}>
            {logs.data.data.map((line) => (
              <li key={line.id} className="list__item">
                <p>
                  <Badge value={line.level} label="Level" /> {line.message}
                </p>
                <p className="quiet">
                  <RelativeTime value={line.created_at} />
                  {line.source ? ` · ${line.source}` : ''}
                  {line.item_ref ? (
                    <>
                      {' · item '}
                      <code>{line.item_ref}</code>
                    </>
                  ) : null}
                </p>
                {Object.keys(line.details).length > 0 ? (
                  <details>
                    <summary>Details</summary>
                    <pre className="code">{JSON.stringify(line.details, null, 2)}</pre>
                  </details>
                ) : null}
              </li>
            ))}
          </ol>
          <Pager
            pagination={logs.data.pagination}
            noun="log lines"
            onPage={(page) => setFilters({ ...filters, page })}
          />
        </>
      )}
    </>
  );
}
