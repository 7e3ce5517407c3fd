import { useState } from 'react';
import { Link } from 'react-router';
import type { Dashboard } from '../../api/types';
import { paths, routeBuilt } from '../../app/routes';
import { Badge } from '../../components/Badge';
import { RelativeTime } from '../../components/RelativeTime';
import { scrollRegion } from '../../components/scroll-region';
import { formatInterval, formatNumber, formatPercent, humanize } from '../../format';

type Row = Dashboard['connections'][number];

/** Connection ids by name (names are unique in an org; failures name their connection only). */
function idsByName(connections: Row[]): Map<string, string> {
  return new Map(connections.map((connection) => [connection.name, connection.id]));
}

export function RecentFailures({ dashboard }: { dashboard: Dashboard }) {
  const ids = idsByName(dashboard.connections);
  const runPage = routeBuilt('/connections/:id/runs/:runId');
  if (dashboard.recent_failures.length === 0) {
    return <p className="quiet">No failed runs recently.</p>;
  }
  return (
    <ul className="list">
      {dashboard.recent_failures.map((failure) => {
        const id = ids.get(failure.connection_name);
        return (
          <li key={failure.run_id} className="list__item">
            <p className="list__title">
              {id ? (
                <Link to={paths.connection(id)}>{failure.connection_name}</Link>
              ) : (
                failure.connection_name
              )}{' '}
              <Badge value={failure.status} label="Run status" />
            </p>
            <p>{failure.error_message ?? 'No error message was recorded.'}</p>
            <p className="quiet">
              {failure.integration_name}, <RelativeTime value={failure.failed_at} />
              {id && runPage ? (
                <>
                  {' · '}
                  <Link to={paths.run(id, failure.run_id)}>
                    View the run<span className="sr-only"> of {failure.connection_name}</span>
                  </Link>
                </>
              ) : null}
            </p>
          </li>
        );
      })}
    </ul>
  );
}

/** Stale connections drawn at first: a fleet can have hundreds, the rest are drawn when asked for. */
const STALE_SHOWN = 10;

export function StaleConnections({ freshness }: { freshness: Dashboard['data_freshness'] }) {
  const [all, setAll] = useState(false);
  const total = freshness.stale_connections.length;
  const shown = all ? freshness.stale_connections : freshness.stale_connections.slice(0, STALE_SHOWN);
  return (
    <>
      <p>
        {formatNumber(freshness.fresh)} fresh, {formatNumber(freshness.stale)} stale (no successful sync
        within twice the expected interval).
      </p>
      {freshness.stale_connections.length > 0 ? (
        <ul id="stale-list" className="list">
          {shown.map((stale) => (
            <li key={stale.connection_id} className="list__item">
              <p className="list__title">
                <Link to={paths.connection(stale.connection_id)}>{stale.connection_name}</Link>{' '}
                <span className="quiet">({stale.integration_name})</span>
              </p>
              <p className="quiet">
                Last synced <RelativeTime value={stale.last_sync_at} empty="never" />; expected every{' '}
                {formatInterval(stale.expected_interval_mins)}.
              </p>
            </li>
          ))}
        </ul>
      ) : null}
      {total > STALE_SHOWN ? (
        <button
          type="button"
          className="button button--quiet"
          aria-expanded={all}
          aria-controls="stale-list"
          onClick={() => setAll(!all)}
        >
          {all ? `Show the first ${STALE_SHOWN}` : `Show all ${formatNumber(total)}`}
          <span className="sr-only"> stale connections</span>
        </button>
      ) : null}
    </>
  );
}

export function CategoryCoverage({ coverage }: { coverage: Dashboard['category_coverage'] }) {
  return (
    <div {...scrollRegion('Integrations by category')}>
      <table>
        <caption className="sr-only">Connected integrations by category</caption>
        <thead>
          <tr>
            <th scope="col">Category</th>
            <th scope="col">Connected</th>
            <th scope="col">Available</th>
            <th scope="col">
              <span className="sr-only">Coverage</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(coverage).map(([category, { available, connected }]) => (
            <tr key={category}>
              <th scope="row">{humanize(category)}</th>
              <td>{formatNumber(connected)}</td>
              <td>{formatNumber(available)}</td>
              <td>
                <span className="bar" aria-hidden="true">
                  <span
                    className="bar__fill"
                    style={{ width: `${available ? (connected / available) * 100 : 0}%` }}
                  />
                </span>
                <span className="sr-only">
                  {connected} of {available}
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const ATTENTION: Record<string, number> = { unhealthy: 0, degraded: 1, unknown: 2, healthy: 3 };

/** The connections needing attention first; the full list is the Connections page. */
export function ConnectionHealth({ connections, limit = 10 }: { connections: Row[]; limit?: number }) {
  const rows = [...connections]
    .sort((a, b) => (ATTENTION[a.health] ?? 9) - (ATTENTION[b.health] ?? 9) || a.name.localeCompare(b.name))
    .slice(0, limit);
  return (
    <>
      <div {...scrollRegion('Connection health')}>
        <table>
          <caption className="sr-only">Connections, the ones needing attention first</caption>
          <thead>
            <tr>
              <th scope="col">Connection</th>
              <th scope="col">Status</th>
              <th scope="col">Health</th>
              <th scope="col">Last sync</th>
              <th scope="col">Next sync</th>
              <th scope="col">Success, 7 days</th>
              <th scope="col">Items, 24 hours</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id}>
                <th scope="row">
                  <Link to={paths.connection(row.id)}>{row.name}</Link>
                  <span className="quiet cell-sub">{row.integration_name}</span>
                </th>
                <td>
                  <Badge value={row.status} />
                </td>
                <td>
                  <Badge value={row.health} />
                </td>
                <td>
                  <RelativeTime value={row.last_sync_at} empty="never" />
                </td>
                <td>
                  <RelativeTime value={row.next_sync_at} empty="not scheduled" />
                </td>
                <td>{formatPercent(row.success_rate_7d)}</td>
                <td>{formatNumber(row.items_synced_24h)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {connections.length > limit ? (
        <p>
          <Link to={paths.connections()}>All {formatNumber(connections.length)} connections</Link>
        </p>
      ) : null}
    </>
  );
}
