import type { Dashboard } from '../../api/types';
import { formatNumber, formatPercent } from '../../format';

/** The summary of `GET /integrations/dashboard` as cards: a term and its number. */
export function SummaryCards({ summary }: { summary: Dashboard['summary'] }) {
  const cards: { term: string; value: string; detail: string }[] = [
    {
      term: 'Connections',
      value: formatNumber(summary.total_connections),
      detail: `${formatNumber(summary.connected)} connected, ${formatNumber(summary.disabled)} disabled`,
    },
    {
      term: 'Healthy',
      value: formatNumber(summary.healthy),
      detail: `${formatNumber(summary.degraded)} degraded, ${formatNumber(summary.unhealthy)} unhealthy`,
    },
    {
      term: 'Runs, last 24 hours',
      value: formatNumber(summary.total_runs_24h),
      detail: `${formatNumber(summary.successful_runs_24h)} succeeded, ${formatNumber(summary.failed_runs_24h)} failed`,
    },
    {
      term: 'Success rate, last 24 hours',
      value: formatPercent(summary.success_rate_24h),
      detail: summary.success_rate_24h === null ? 'No run finished yet' : 'Of the runs that finished',
    },
    {
      term: 'Items synced, last 24 hours',
      value: formatNumber(summary.total_items_synced_24h),
      detail: 'Records created, updated or unchanged',
    },
    {
      term: 'Webhooks received, last 24 hours',
      value: formatNumber(summary.total_webhooks_received_24h),
      detail: 'Inbound provider events',
    },
  ];
  return (
    <dl className="cards">
      {cards.map((card) => (
        <div key={card.term} className="card">
          <dt>{card.term}</dt>
          <dd className="card__value">{card.value}</dd>
          <dd className="card__detail">{card.detail}</dd>
        </div>
      ))}
    </dl>
  );
}
