import { useQuery } from '@tanstack/react-query';
import { type ReactNode, useEffect, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { getIntegration } from '../api/catalog';
import { getConnection } from '../api/connections';
import type { ConnectionDetail } from '../api/types';
import { paths } from '../app/routes';
import { useApi } from '../app/services';
import { useCan } from '../auth/me';
import type { Permission } from '../auth/permissions';
import { Badge } from '../components/Badge';
import { ErrorMessage, Loading } from '../components/Feedback';
import { keys } from '../queries/keys';
import { Actions } from './connection/Actions';
import { ActivitySection } from './connection/ActivitySection';
import { ConfigSection } from './connection/ConfigSection';
import { EvidenceSection } from './connection/EvidenceSection';
import { HealthSection } from './connection/HealthSection';
import { INBOUND_WEBHOOKS_BUILT, InboundWebhooksSection } from './connection/InboundWebhooksSection';
import { Overview } from './connection/Overview';
import { oauthOutcome } from './connection/oauth';
import { describeTest } from './connection/outcome';
import { PreviewSection } from './connection/PreviewSection';
import { RunsSection } from './connection/RunsSection';
import type { ConnectionPageState } from './connection/state';

export default function ConnectionPage() {
  const api = useApi();
  const { id = '' } = useParams();
  const connection = useQuery({
    queryKey: keys.connection(id),
    queryFn: ({ signal }) => getConnection(api, id, signal),
  });
  return (
    <>
      <p className="breadcrumb">
        <Link to={paths.connections()}>Connections</Link>
      </p>
      {connection.isPending ? (
        <Loading what="Loading the connection" />
      ) : connection.isError ? (
        <>
          <h1>Connection</h1>
          <ErrorMessage error={connection.error} retry={() => void connection.refetch()} />
        </>
      ) : (
        <ConnectionView connection={connection.data} />
      )}
    </>
  );
}

interface Section {
  id: string;
  title: string;
  permission: Permission;
  body: ReactNode;
}

function ConnectionView({ connection }: { connection: ConnectionDetail }) {
  const api = useApi();
  const can = useCan();
  const location = useLocation();
  const navigate = useNavigate();
  // What the connect form or the OAuth callback handed over is shown once: kept here, and taken
  // out of the history entry so a reload or a return to the page does not show it again.
  const [handed] = useState(() => (location.state ?? {}) as ConnectionPageState);
  const [oauth] = useState(() => oauthOutcome(new URLSearchParams(location.search)));
  useEffect(() => {
    if (location.state || oauthOutcome(new URLSearchParams(location.search))) {
      navigate(location.pathname, { replace: true, state: null });
    }
  }, [location, navigate]);
  const integration = useQuery({
    queryKey: keys.integration(connection.definition_id),
    queryFn: ({ signal }) => getIntegration(api, connection.definition_id, signal),
    enabled: can('catalog:read'),
    staleTime: 5 * 60_000,
  });

  const all: Section[] = [
    {
      id: 'overview',
      title: 'Overview',
      permission: 'connections:read',
      body: <Overview connection={connection} />,
    },
    {
      id: 'configuration',
      title: 'Configuration',
      permission: 'connections:read',
      body: <ConfigSection connection={connection} integration={integration.data} />,
    },
    {
      id: 'health',
      title: 'Health and uptime',
      permission: 'runs:read',
      body: <HealthSection id={connection.id} />,
    },
    { id: 'runs', title: 'Runs', permission: 'runs:read', body: <RunsSection id={connection.id} /> },
    {
      id: 'activity',
      title: 'Activity',
      permission: 'dashboard:read',
      body: <ActivitySection id={connection.id} />,
    },
    {
      id: 'preview',
      title: 'Preview',
      permission: 'preview:read',
      body: <PreviewSection id={connection.id} />,
    },
    {
      id: 'evidence',
      title: 'Evidence',
      permission: 'preview:read',
      body: <EvidenceSection id={connection.id} />,
    },
  ];
  if (INBOUND_WEBHOOKS_BUILT) {
    all.push({
      id: 'webhooks',
      title: 'Inbound webhooks',
      permission: 'webhooks:manage',
      body: <InboundWebhooksSection connection={connection} />,
    });
  }
  const sections = all.filter((section) => can(section.permission));

  return (
    <>
      <div className="page-head">
        <div>
          <h1>{connection.name}</h1>
          <p className="quiet">
            {connection.integration_name}
            {connection.description ? ` · ${connection.description}` : ''}
          </p>
        </div>
        <p className="badges">
          <Badge value={connection.status} label="Status" />{' '}
          <Badge value={connection.health} label="Health" />
        </p>
      </div>

      {handed.created ? (
        <p className="notice" role="status">
          Connection created.{' '}
          {handed.test ? '' : 'Next: test its credentials, then enable it to start the scheduled syncs.'}
        </p>
      ) : null}
      {handed.failure ? (
        <p className="notice notice--bad" role="alert">
          {handed.failure}
        </p>
      ) : null}
      {oauth ? (
        <p className={oauth.ok ? 'notice' : 'notice notice--bad'} role={oauth.ok ? 'status' : 'alert'}>
          {oauth.text}
        </p>
      ) : null}

      <Actions
        connection={connection}
        authType={integration.data?.auth_type}
        initial={handed.test ? { outcome: describeTest(handed.test) } : undefined}
      />

      <nav className="in-page" aria-label="On this page">
        <ul>
          {sections.map((section) => (
            <li key={section.id}>
              <a href={`#${section.id}`}>{section.title}</a>
            </li>
          ))}
        </ul>
      </nav>

      {sections.map((section) => (
        <section key={section.id} id={section.id} className="panel" aria-labelledby={`${section.id}-title`}>
          <h2 id={`${section.id}-title`}>{section.title}</h2>
          {section.body}
        </section>
      ))}
    </>
  );
}
