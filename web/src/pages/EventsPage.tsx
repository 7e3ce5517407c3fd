import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { listEvents } from '../api/org';
import type { EventItem } from '../api/types';
import { listEventTypes } from '../api/webhook-endpoints';
import { useApi } from '../app/services';
import { EmptyState, ErrorMessage, Loading } from '../components/Feedback';
import { RelativeTime } from '../components/RelativeTime';
import { useLiveStatus } from '../live/LiveProvider';
import { keys } from '../queries/keys';

const PER_PAGE = 50;

/**
 * The org's events, newest first, paged by cursor. Every live event invalidates `keys.events`, so
 * the first page is fetched again and new events appear at the top.
 */
export default function EventsPage() {
  const api = useApi();
  const live = useLiveStatus();
  const [type, setType] = useState<string | undefined>(undefined);
  const types = useQuery({
    queryKey: keys.eventTypes,
    queryFn: ({ signal }) => listEventTypes(api, signal),
    staleTime: 5 * 60_000,
  });
  const events = useInfiniteQuery({
    queryKey: keys.eventList(type),
    queryFn: ({ pageParam, signal }) =>
      listEvents(api, { type, cursor: pageParam, per_page: PER_PAGE }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.pagination.next_cursor ?? undefined,
  });
  // The list's filter takes Switchboard's own types (the org's published ones are listed unfiltered).
  const options = (types.data ?? []).filter((t) => t.source !== 'org').map((t) => t.name);
  const items = events.data?.pages.flatMap((page) => page.data) ?? [];
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Events</h1>
          <p className="quiet">
            What happened in this organisation, newest first
            {live === 'live' ? '; new events appear at the top as they happen.' : '.'}
          </p>
        </div>
      </div>
      <div className="filters">
        <div className="field">
          <label htmlFor="event-type">Type</label>
          <select id="event-type" value={type ?? ''} onChange={(e) => setType(e.target.value || undefined)}>
            <option value="">All types</option>
            {options.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
      </div>
      {events.isPending ? (
        <Loading what="Loading events" />
      ) : events.isError ? (
        <ErrorMessage error={events.error} retry={() => void events.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState title={type ? `No ${type} events` : 'No events yet'}>
          <p>
            {type
              ? 'Choose another type, or all types.'
              : 'Connect an integration, run a sync or invite a member: what happens shows here.'}
          </p>
        </EmptyState>
      ) : (
        <>
          <ol className="list" aria-label="Events, newest first" aria-busy={events.isFetching}>
            {items.map((event) => (
              <EventRow key={event.id} event={event} />
            ))}
          </ol>
          {events.hasNextPage ? (
            <button
              type="button"
              className="button"
              disabled={events.isFetchingNextPage}
              onClick={() => void events.fetchNextPage()}
            >
              {events.isFetchingNextPage ? 'Loading…' : 'Load older events'}
            </button>
          ) : (
            <p className="quiet">
              That is every event kept (older ones are removed after the retention period).
            </p>
          )}
        </>
      )}
    </>
  );
}

function EventRow({ event }: { event: EventItem }) {
  return (
    <li className="list__item">
      <p className="list__title">
        <code>{event.type}</code>
      </p>
      <p className="quiet">
        <RelativeTime value={event.occurred_at} /> · {event.subject.type} <code>{event.subject.id}</code>
      </p>
      <details>
        <summary>
          Payload<span className="sr-only"> of {event.type}</span>
        </summary>
        <pre className="code">{JSON.stringify(event.payload, null, 2)}</pre>
      </details>
    </li>
  );
}
