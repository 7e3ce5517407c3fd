import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import {
  getReceivedEvent,
  listReceivedEvents,
  RECEIVED_STATUSES,
  type ReceivedEvent,
  type ReceivedFilters,
  replayReceivedEvent,
} from '../../../api/inbound-webhooks';
import { useApi } from '../../../app/services';
import { Badge } from '../../../components/Badge';
import { DetailPanel } from '../../../components/DetailPanel';
import { EmptyState, ErrorMessage } from '../../../components/Feedback';
import { FilterSelect } from '../../../components/Filters';
import { PagedList } from '../../../components/PagedList';
import { RelativeTime } from '../../../components/RelativeTime';
import { formatNumber, humanize } from '../../../format';
import { keys } from '../../../queries/keys';

interface Props {
  connectionId: string;
  webhookId: string;
}

/** What one webhook received, newest first, with a status filter; each event's headers, payload and replay. */
export function ReceivedEvents({ connectionId, webhookId }: Props) {
  const api = useApi();
  const [filters, setFilters] = useState<ReceivedFilters>({ page: 1, per_page: 20 });
  const events = useQuery({
    queryKey: keys.receivedEvents(connectionId, webhookId, filters),
    queryFn: ({ signal }) => listReceivedEvents(api, connectionId, webhookId, filters, signal),
    placeholderData: keepPreviousData,
  });
  return (
    <div className="group">
      <div className="filters">
        <FilterSelect
          id={`received-status-${webhookId}`}
          label="Status"
          value={filters.status}
          options={RECEIVED_STATUSES}
          onChange={(status) => setFilters({ ...filters, status, page: 1 })}
        />
      </div>
      <PagedList
        query={events}
        noun="received events"
        onPage={(page) => setFilters({ ...filters, page })}
        empty={
          <EmptyState
            title={
              filters.status ? `No ${humanize(filters.status).toLowerCase()} events` : 'Nothing received yet'
            }
          >
            <p>
              {filters.status
                ? 'Choose another status to see the rest.'
                : 'Events the provider posts to this URL appear here as they arrive.'}
            </p>
          </EmptyState>
        }
      >
        {(event) => <ReceivedItem key={event.id} connectionId={connectionId} event={event} />}
      </PagedList>
    </div>
  );
}

function ReceivedItem({ connectionId, event }: { connectionId: string; event: ReceivedEvent }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const detail = useQuery({
    queryKey: keys.receivedEvent(connectionId, event.webhook_id, event.id),
    queryFn: ({ signal }) => getReceivedEvent(api, connectionId, event.webhook_id, event.id, signal),
    enabled: open,
  });
  const replay = useMutation({
    mutationFn: () => replayReceivedEvent(api, connectionId, event.webhook_id, event.id),
    onSettled: () => queryClient.invalidateQueries({ queryKey: keys.connectionWebhooks(connectionId) }),
  });
  const name = event.event_type ?? 'event without a type';
  const panel = `received-event-${event.id}`;
  return (
    <li className="list__item">
      <p className="list__title">
        {name} <Badge value={event.status} label="Status" />
      </p>
      <p className="quiet">
        Received <RelativeTime value={event.received_at} />
        {event.processed_at ? (
          <>
            , processed <RelativeTime value={event.processed_at} />
          </>
        ) : null}
        {` · ${formatNumber(event.attempts)} attempts`}
        {event.delivery_id ? (
          <>
            {' · delivery '}
            <code>{event.delivery_id}</code>
          </>
        ) : null}
      </p>
      {event.error ? <p className="text-bad">{event.error}</p> : null}
      <div className="actions__buttons">
        <button
          type="button"
          className="button button--quiet"
          aria-expanded={open}
          aria-controls={panel}
          onClick={() => setOpen(!open)}
        >
          {open ? 'Hide payload and headers' : 'Payload and headers'}
          <span className="sr-only"> of {name}</span>
        </button>
        <button type="button" className="button" disabled={replay.isPending} onClick={() => replay.mutate()}>
          {replay.isPending ? 'Replaying…' : 'Replay'}
          <span className="sr-only"> {name}</span>
        </button>
      </div>
      <div aria-live="polite">
        {replay.isSuccess ? <p className="text-good">{replay.data.message}</p> : null}
        {replay.isError ? <ErrorMessage error={replay.error} title="The event was not replayed" /> : null}
      </div>
      <DetailPanel id={panel} open={open} query={detail}>
        {(received) => (
          <>
            <h3>Headers (secrets redacted)</h3>
            <pre className="code">{JSON.stringify(received.headers, null, 2)}</pre>
            <h3>Payload</h3>
            <pre className="code">{JSON.stringify(received.payload, null, 2)}</pre>
          </>
        )}
      </DetailPanel>
    </li>
  );
}
