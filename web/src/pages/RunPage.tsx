import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { cancelRun, getRun, isActiveRun, RUN_POLL_MS, type RunDetail } from '../api/runs';
import { paths } from '../app/routes';
import { useApi } from '../app/services';
import { useCan } from '../auth/me';
import { Badge } from '../components/Badge';
import { ErrorMessage, Loading } from '../components/Feedback';
import { RelativeTime } from '../components/RelativeTime';
import { formatBytes, formatDuration, formatNumber, humanize } from '../format';
import { keys } from '../queries/keys';
import { FailedItems } from './run/FailedItems';
import { RunLogs } from './run/RunLogs';

export default function RunPage() {
  const api = useApi();
  const { id = '', runId = '' } = useParams();
  const run = useQuery({
    queryKey: keys.run(id, runId),
    queryFn: ({ signal }) => getRun(api, id, runId, signal),
    // `sync.run.*` events invalidate the connection's keys, this one included; polling covers
    // the progress between them (and callers without a live socket).
    refetchInterval: (query) => (isActiveRun(query.state.data?.status) ? RUN_POLL_MS : false),
  });
  return (
    <>
      <p className="breadcrumb">
        <Link to={paths.connections()}>Connections</Link>
        {' › '}
        <Link to={paths.connection(id)}>{run.data?.connection_name ?? 'Connection'}</Link>
      </p>
      {run.isPending ? (
        <Loading what="Loading the run" />
      ) : run.isError ? (
        <>
          <h1>Sync run</h1>
          <ErrorMessage error={run.error} retry={() => void run.refetch()} />
        </>
      ) : (
        <RunView run={run.data} />
      )}
    </>
  );
}

function RunView({ run }: { run: RunDetail }) {
  const active = isActiveRun(run.status);
  const failedItems = run.error_details?.failed_items ?? [];
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Sync run</h1>
          <p className="quiet">
            {run.integration_name} · {humanize(run.trigger)}
            {run.full_sync ? ', full sync' : ''}
            {run.triggered_by_name ? ` by ${run.triggered_by_name}` : ''}
          </p>
        </div>
        <p className="badges">
          <Badge value={run.status} label="Status" />
        </p>
      </div>
      <CancelRun run={run} />
      {active ? (
        <p className="quiet">This run is in progress: its numbers and log update by themselves.</p>
      ) : null}
      {run.error_message ? (
        <p className="notice notice--bad">
          {run.error_class ? <strong>{humanize(run.error_class)}: </strong> : null}
          {run.error_message}
        </p>
      ) : null}
      <dl className="facts">
        <div>
          <dt>Queued</dt>
          <dd>
            <RelativeTime value={run.queued_at} />
          </dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>
            <RelativeTime value={run.started_at} empty="not yet" />
          </dd>
        </div>
        <div>
          <dt>Finished</dt>
          <dd>
            <RelativeTime value={run.completed_at} empty={active ? 'still running' : '—'} />
          </dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{active ? 'running…' : formatDuration(run.duration_ms)}</dd>
        </div>
        <div>
          <dt>Retries</dt>
          <dd>
            {formatNumber(run.retry_count)} of {formatNumber(run.max_retries)}
            {run.next_attempt_at ? (
              <>
                , next <RelativeTime value={run.next_attempt_at} />
              </>
            ) : null}
          </dd>
        </div>
      </dl>
      <section className="panel" aria-labelledby="run-stats-title">
        <h2 id="run-stats-title">Items</h2>
        <RunStats run={run} />
      </section>
      {failedItems.length > 0 || run.stats.items_failed ? (
        <section className="panel" aria-labelledby="run-failed-title">
          <h2 id="run-failed-title">Failed items</h2>
          <FailedItems items={failedItems} count={run.stats.items_failed ?? failedItems.length} />
        </section>
      ) : null}
      <section className="panel" aria-labelledby="run-logs-title">
        <h2 id="run-logs-title">Log</h2>
        <RunLogs run={run} />
      </section>
    </>
  );
}

function RunStats({ run }: { run: RunDetail }) {
  const s = run.stats;
  const cards: [string, string][] = [
    ['Synced', formatNumber(s.items_synced ?? 0)],
    ['Created', formatNumber(s.items_created ?? 0)],
    ['Updated', formatNumber(s.items_updated ?? 0)],
    ['Deleted', formatNumber(s.items_deleted ?? 0)],
    ['Skipped', formatNumber(s.items_skipped ?? 0)],
    ['Failed', formatNumber(s.items_failed ?? 0)],
    ['Evidence collected', formatNumber(s.evidence_collected ?? 0)],
    ['Transferred', formatBytes(s.bytes_transferred ?? 0)],
  ];
  return (
    <dl className="cards cards--small">
      {cards.map(([term, value]) => (
        <div key={term} className="card">
          <dt>{term}</dt>
          <dd className="card__value">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function CancelRun({ run }: { run: RunDetail }) {
  const api = useApi();
  const can = useCan();
  const queryClient = useQueryClient();
  const cancel = useMutation({
    mutationFn: () => cancelRun(api, run.connection_id, run.id),
    onSettled: () => queryClient.invalidateQueries({ queryKey: keys.connection(run.connection_id) }),
  });
  if (!can('sync:trigger') || !isActiveRun(run.status)) {
    return cancel.isSuccess ? <p className="text-good">{cancel.data.message}</p> : null;
  }
  return (
    <div className="actions" aria-live="polite">
      <button
        type="button"
        className="button button--danger"
        disabled={cancel.isPending}
        onClick={() => {
          if (window.confirm('Cancel this run? Records it already wrote stay.')) cancel.mutate();
        }}
      >
        {cancel.isPending ? 'Cancelling…' : 'Cancel run'}
      </button>
      {cancel.isError ? <ErrorMessage error={cancel.error} title="The run was not cancelled" /> : null}
    </div>
  );
}
