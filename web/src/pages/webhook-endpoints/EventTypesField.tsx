import { useQuery } from '@tanstack/react-query';
import { listEventTypes } from '../../api/webhook-endpoints';
import { useApi } from '../../app/services';
import { keys } from '../../queries/keys';

/** The patterns an endpoint subscribes with, explained, with the org's types to copy from. */
export function EventTypesHint({ id }: { id: string }) {
  const api = useApi();
  const types = useQuery({
    queryKey: keys.eventTypes,
    queryFn: ({ signal }) => listEventTypes(api, signal),
    staleTime: 5 * 60_000,
  });
  return (
    <div id={id} className="hint">
      <p>
        Separated by commas; empty for every event. A pattern ending in <code>.*</code> matches every type
        under it: <code>sync.*</code> is every sync run event.
      </p>
      {types.data ? (
        <details>
          <summary>Event types you can use</summary>
          <p>{types.data.map((type) => type.name).join(', ')}</p>
        </details>
      ) : null}
    </div>
  );
}
