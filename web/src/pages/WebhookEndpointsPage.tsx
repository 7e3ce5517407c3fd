import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { listEndpoints } from '../api/webhook-endpoints';
import { useApi } from '../app/services';
import { EmptyState, ErrorMessage, Loading } from '../components/Feedback';
import { Pager } from '../components/Pager';
import { SecretOnce } from '../components/SecretOnce';
import { keys } from '../queries/keys';
import { EndpointForm } from './webhook-endpoints/EndpointForm';
import { EndpointItem } from './webhook-endpoints/EndpointItem';
import { EventTypesSection } from './webhook-endpoints/EventTypesSection';

/**
 * Outbound webhooks: the endpoints Switchboard signs and sends the org's events to, their
 * deliveries with every attempt, and the org's own event types. The portal Svix users ask for.
 */
export default function WebhookEndpointsPage() {
  const api = useApi();
  const [page, setPage] = useState(1);
  const [adding, setAdding] = useState(false);
  const [secret, setSecret] = useState<{ name: string; value: string } | null>(null);
  const endpoints = useQuery({
    queryKey: keys.endpointList(page),
    queryFn: ({ signal }) => listEndpoints(api, page, signal),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Webhooks out</h1>
          <p className="quiet">
            Endpoints of yours that receive this organisation's events, signed with Standard Webhooks headers.
          </p>
        </div>
      </div>
      {secret ? (
        <SecretOnce
          label="Signing secret"
          value={secret.value}
          hint={`Verify the webhook-signature header of “${secret.name}”'s deliveries with it.`}
          onDismiss={() => setSecret(null)}
        />
      ) : null}
      <section className="panel" aria-labelledby="endpoints-title">
        <h2 id="endpoints-title">Endpoints</h2>
        {adding ? (
          <EndpointForm
            onDone={(created) => {
              setAdding(false);
              if (created) setSecret({ name: created.name, value: created.secret });
            }}
          />
        ) : (
          <button type="button" className="button button--primary" onClick={() => setAdding(true)}>
            Add an endpoint
          </button>
        )}
        {endpoints.isPending ? (
          <Loading what="Loading endpoints" />
        ) : endpoints.isError ? (
          <ErrorMessage error={endpoints.error} retry={() => void endpoints.refetch()} />
        ) : endpoints.data.data.length === 0 ? (
          <EmptyState title="No endpoints yet">
            <p>Add the URL of a service of yours and choose the event types it should receive.</p>
          </EmptyState>
        ) : (
          <>
            <ul className="list">
              {endpoints.data.data.map((endpoint) => (
                <EndpointItem
                  key={endpoint.id}
                  endpoint={endpoint}
                  onSecret={(value) => setSecret({ name: endpoint.name, value })}
                />
              ))}
            </ul>
            <Pager pagination={endpoints.data.pagination} noun="endpoints" onPage={setPage} />
          </>
        )}
      </section>
      <EventTypesSection />
    </>
  );
}
