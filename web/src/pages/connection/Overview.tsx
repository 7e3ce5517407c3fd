import type { ConnectionDetail } from '../../api/types';
import { Badge } from '../../components/Badge';
import { RelativeTime } from '../../components/RelativeTime';
import { formatDuration, formatInterval, formatNumber } from '../../format';

export function Overview({ connection: c }: { connection: ConnectionDetail }) {
  const schedule = c.sync_cron
    ? `Cron “${c.sync_cron}”${c.sync_timezone ? ` (${c.sync_timezone})` : ''}`
    : `Every ${formatInterval(c.sync_interval_mins)}`;
  return (
    <dl className="facts">
      <div>
        <dt>Integration</dt>
        <dd>{c.integration_name}</dd>
      </div>
      {c.instance_label ? (
        <div>
          <dt>Instance</dt>
          <dd>{c.instance_label}</dd>
        </div>
      ) : null}
      <div>
        <dt>Schedule</dt>
        <dd>{c.sync_enabled ? schedule : `Paused (${schedule.toLowerCase()} when enabled)`}</dd>
      </div>
      <div>
        <dt>Next sync</dt>
        <dd>
          <RelativeTime value={c.next_sync_at} empty="not scheduled" />
        </dd>
      </div>
      <div>
        <dt>Last sync</dt>
        <dd>
          <RelativeTime value={c.last_sync_at} empty="never" />
          {c.last_sync_status ? (
            <>
              {' '}
              <Badge value={c.last_sync_status} label="Last run" />
              {c.last_sync_duration_ms !== null ? ` in ${formatDuration(c.last_sync_duration_ms)}` : ''}
            </>
          ) : null}
        </dd>
      </div>
      {c.last_sync_error ? (
        <div>
          <dt>Last sync error</dt>
          <dd className="text-bad">{c.last_sync_error}</dd>
        </div>
      ) : null}
      <div>
        <dt>Last health check</dt>
        <dd>
          <RelativeTime value={c.last_health_check_at} empty="never" />
          {c.consecutive_failures > 0 ? `, ${formatNumber(c.consecutive_failures)} failures in a row` : ''}
        </dd>
      </div>
      {c.last_health_error ? (
        <div>
          <dt>Last health error</dt>
          <dd className="text-bad">{c.last_health_error}</dd>
        </div>
      ) : null}
      <div>
        <dt>Runs</dt>
        <dd>
          {formatNumber(c.total_runs)} in all: {formatNumber(c.successful_runs)} succeeded,{' '}
          {formatNumber(c.failed_runs)} failed
        </dd>
      </div>
      {c.tags.length > 0 ? (
        <div>
          <dt>Tags</dt>
          <dd>
            <ul className="chips">
              {c.tags.map((tag) => (
                <li key={tag} className="chip">
                  {tag}
                </li>
              ))}
            </ul>
          </dd>
        </div>
      ) : null}
      <div>
        <dt>Created</dt>
        <dd>
          <RelativeTime value={c.created_at} />
          {c.created_by_name ? ` by ${c.created_by_name}` : ''}
        </dd>
      </div>
    </dl>
  );
}
