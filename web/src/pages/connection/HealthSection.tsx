import { useQuery } from '@tanstack/react-query';
import { getHealth } from '../../api/connections';
import { useApi } from '../../app/services';
import { Badge } from '../../components/Badge';
import { ErrorMessage, Loading } from '../../components/Feedback';
import { RelativeTime } from '../../components/RelativeTime';
import { formatDuration, formatInterval, formatPercent } from '../../format';
import { keys } from '../../queries/keys';

/** Health: the latest check, the next one, and uptime as the share of successful runs. */
export function HealthSection({ id }: { id: string }) {
  const api = useApi();
  const health = useQuery({
    queryKey: keys.connectionHealth(id),
    queryFn: ({ signal }) => getHealth(api, id, signal),
  });
  if (health.isPending) return <Loading what="Loading health" />;
  if (health.isError) return <ErrorMessage error={health.error} retry={() => void health.refetch()} />;
  const h = health.data;
  return (
    <>
      <dl className="cards cards--small">
        {(
          [
            ['Last 24 hours', h.uptime.last_24h_success_rate],
            ['Last 7 days', h.uptime.last_7d_success_rate],
            ['Last 30 days', h.uptime.last_30d_success_rate],
          ] as const
        ).map(([term, rate]) => (
          <div key={term} className="card">
            <dt>Successful runs, {term.toLowerCase()}</dt>
            <dd className="card__value">{formatPercent(rate)}</dd>
            {rate === null ? <dd className="card__detail">No run finished</dd> : null}
          </div>
        ))}
      </dl>
      <dl className="facts">
        <div>
          <dt>Health</dt>
          <dd>
            <Badge value={h.health} />
          </dd>
        </div>
        <div>
          <dt>Checked</dt>
          <dd>
            <RelativeTime value={h.last_health_check_at} empty="never" />, every{' '}
            {formatInterval(h.health_check_interval_mins)}
          </dd>
        </div>
        <div>
          <dt>Next check</dt>
          <dd>
            <RelativeTime value={h.next_health_check_at} empty="not scheduled" />
          </dd>
        </div>
        {h.last_health_error ? (
          <div>
            <dt>Last error</dt>
            <dd className="text-bad">{h.last_health_error}</dd>
          </div>
        ) : null}
      </dl>
      {h.recent_runs.length > 0 ? (
        <>
          <h3>Latest runs</h3>
          <ul className="run-strip">
            {h.recent_runs.map((run) => (
              <li key={run.id}>
                <Badge value={run.status} /> <RelativeTime value={run.started_at} empty="not started" />
                {run.duration_ms !== null ? `, ${formatDuration(run.duration_ms)}` : ''}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}
