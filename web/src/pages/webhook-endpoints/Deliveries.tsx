import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import {
  DELIVERY_STATUSES,
  type Delivery,
  type DeliveryFilters,
  getDelivery,
  getEndpointStats,
  listDeliveries,
  recover,
  redeliver,
  type WebhookEndpoint,
} from '../../api/webhook-endpoints';
import { useApi } from '../../app/services';
import { Badge } from '../../components/Badge';
import { DetailPanel } from '../../components/DetailPanel';
import { EmptyState, ErrorMessage, Loading } from '../../components/Feedback';
import { FilterSelect } from '../../components/Filters';
import { PagedList } from '../../components/PagedList';
import { RelativeTime } from '../../components/RelativeTime';
import { scrollRegion } from '../../components/scroll-region';
import { formatDuration, formatNumber, formatPercent } from '../../format';
import { keys } from '../../queries/keys';

/** An endpoint's last 24 hours, recovery of failed deliveries, and its deliveries with every attempt. */
export function Deliveries({ endpoint }: { endpoint: WebhookEndpoint }) {
  const api = useApi();
  const [filters, setFilters] = useState<DeliveryFilters>({ page: 1, per_page: 20 });
  const deliveries = useQuery({
    queryKey: keys.deliveries(endpoint.id, filters),
    queryFn: ({ signal }) => listDeliveries(api, endpoint.id, filters, signal),
    placeholderData: keepPreviousData,
  });
  return (
    <div className="group">
      <Stats id={endpoint.id} />
      {endpoint.enabled ? <Recover id={endpoint.id} /> : null}
      <div className="filters">
        <FilterSelect
          id={`delivery-status-${endpoint.id}`}
          label="Status"
          value={filters.status}
          options={DELIVERY_STATUSES}
          onChange={(status) => setFilters({ ...filters, status, page: 1 })}
        />
      </div>
      <PagedList
        query={deliveries}
        noun="deliveries"
        onPage={(page) => setFilters({ ...filters, page })}
        empty={
          <EmptyState title={filters.status ? `No ${filters.status} deliveries` : 'No deliveries yet'}>
            <p>Send a test, or wait for an event of a type this endpoint subscribes to.</p>
          </EmptyState>
        }
      >
        {(delivery) => <DeliveryItem key={delivery.id} endpoint={endpoint} delivery={delivery} />}
      </PagedList>
    </div>
  );
}

function Stats({ id }: { id: string }) {
  const api = useApi();
  const stats = useQuery({
    queryKey: keys.endpointStats(id),
    queryFn: ({ signal }) => getEndpointStats(api, id, signal),
  });
  if (stats.isPending) return <Loading what="Loading stats" />;
  if (stats.isError) return <ErrorMessage error={stats.error} />;
  const s = stats.data;
  const cards: [string, string][] = [
    ['Attempts, last 24 hours', formatNumber(s.attempts)],
    ['Succeeded', formatNumber(s.succeeded)],
    ['Failed', formatNumber(s.failed)],
    ['Success rate', formatPercent(s.success_rate)],
    ['Latency p50 / p95', `${formatDuration(s.latency_ms.p50)} / ${formatDuration(s.latency_ms.p95)}`],
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

/** `datetime-local` value for a time: the browser's local wall clock, to the minute. */
function localInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function Recover({ id }: { id: string }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [since, setSince] = useState(() => localInput(new Date(Date.now() - 86_400_000)));
  const run = useMutation({
    mutationFn: () => recover(api, id, new Date(since).toISOString()),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.endpoint(id) }),
  });
  const field = `recover-since-${id}`;
  return (
    <form
      className="form form--inline"
      aria-label="Recover failed deliveries"
      onSubmit={(event: FormEvent) => {
        event.preventDefault();
        run.mutate();
      }}
    >
      <div className="field field--inline">
        <label htmlFor={field}>Attempt failed deliveries again, created since</label>
        <input
          id={field}
          type="datetime-local"
          required
          value={since}
          onChange={(e) => setSince(e.target.value)}
        />
      </div>
      <button type="submit" className="button" disabled={run.isPending || !since}>
        Recover
      </button>
      <span aria-live="polite">
        {run.isSuccess ? (
          <span className="text-good">{formatNumber(run.data.queued)} deliveries queued again.</span>
        ) : null}
      </span>
      {run.isError ? <ErrorMessage error={run.error} title="Nothing was recovered" /> : null}
    </form>
  );
}

function DeliveryItem({ endpoint, delivery }: { endpoint: WebhookEndpoint; delivery: Delivery }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const detail = useQuery({
    queryKey: keys.delivery(endpoint.id, delivery.id),
    queryFn: ({ signal }) => getDelivery(api, endpoint.id, delivery.id, signal),
    enabled: open,
  });
  const again = useMutation({
    mutationFn: () => redeliver(api, endpoint.id, delivery.id),
    onSettled: () => queryClient.invalidateQueries({ queryKey: keys.endpoint(endpoint.id) }),
  });
  const panel = `delivery-${delivery.id}`;
  return (
    <li className="list__item">
      <p className="list__title">
        {delivery.event_type} <Badge value={delivery.status} label="Status" />
      </p>
      <p className="quiet">
        Created <RelativeTime value={delivery.created_at} /> · {formatNumber(delivery.attempts)} attempts
        {delivery.last_status_code !== null ? ` · last answer HTTP ${delivery.last_status_code}` : ''}
        {delivery.next_attempt_at ? (
          <>
            {' · next attempt '}
            <RelativeTime value={delivery.next_attempt_at} />
          </>
        ) : null}
      </p>
      {delivery.last_error ? <p className="text-bad">{delivery.last_error}</p> : null}
      <div className="actions__buttons">
        <button
          type="button"
          className="button button--quiet"
          aria-expanded={open}
          aria-controls={panel}
          onClick={() => setOpen(!open)}
        >
          {open ? 'Hide attempts' : 'Attempts and body'}
          <span className="sr-only"> of {delivery.event_type}</span>
        </button>
        <button
          type="button"
          className="button"
          disabled={again.isPending || !endpoint.enabled}
          onClick={() => again.mutate()}
        >
          Redeliver<span className="sr-only"> {delivery.event_type}</span>
        </button>
      </div>
      <div aria-live="polite">
        {again.isSuccess ? <p className="text-good">Queued again: the next attempt starts now.</p> : null}
      </div>
      {again.isError ? <ErrorMessage error={again.error} title="Not redelivered" /> : null}
      <DetailPanel id={panel} open={open} query={detail}>
        {(sent) => (
          <>
            <div {...scrollRegion('Attempts')}>
              <table>
                <caption>Attempts</caption>
                <thead>
                  <tr>
                    <th scope="col">Attempt</th>
                    <th scope="col">When</th>
                    <th scope="col">Status code</th>
                    <th scope="col">Duration</th>
                    <th scope="col">Response body or error</th>
                  </tr>
                </thead>
                <tbody>
                  {sent.history.length === 0 ? (
                    <tr>
                      <td colSpan={5}>Not attempted yet.</td>
                    </tr>
                  ) : (
                    sent.history.map((attempt) => (
                      <tr key={attempt.id}>
                        <th scope="row">{attempt.attempt}</th>
                        <td>
                          <RelativeTime value={attempt.created_at} />
                        </td>
                        <td
                          className={
                            attempt.status_code !== null && attempt.status_code < 300
                              ? 'text-good'
                              : 'text-bad'
                          }
                        >
                          {attempt.status_code ?? 'no answer'}
                        </td>
                        <td>{formatDuration(attempt.duration_ms)}</td>
                        <td>
                          {attempt.error ? <span className="text-bad">{attempt.error}</span> : null}
                          {attempt.response_body ? <pre className="code">{attempt.response_body}</pre> : null}
                        </td>
                      </tr>
                    ))
                  )}
                </tbody>
              </table>
            </div>
            <h4>Body sent</h4>
            <pre className="code">{JSON.stringify(sent.payload, null, 2)}</pre>
          </>
        )}
      </DetailPanel>
    </li>
  );
}
