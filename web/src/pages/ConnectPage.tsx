import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { getIntegration } from '../api/catalog';
import { createConnection, startOAuth, testConnection } from '../api/connections';
import type { IntegrationDetail } from '../api/types';
import { paths } from '../app/routes';
import { useApi } from '../app/services';
import { ErrorMessage, Loading } from '../components/Feedback';
import { humanize } from '../format';
import { ConnectionFormFields } from '../forms/ConnectionFormFields';
import { useConnectionForm } from '../forms/useConnectionForm';
import { keys } from '../queries/keys';
import { oauthReturnUrl } from './connection/oauth';
import type { ConnectionPageState } from './connection/state';

export default function ConnectPage() {
  const api = useApi();
  const { slug = '' } = useParams();
  const integration = useQuery({
    queryKey: keys.integration(slug),
    queryFn: ({ signal }) => getIntegration(api, slug, signal),
  });
  return (
    <>
      <p className="breadcrumb">
        <Link to={paths.catalog()}>Catalog</Link>
      </p>
      {integration.isPending ? (
        <Loading what="Loading the integration" />
      ) : integration.isError ? (
        <>
          <h1>Connect an integration</h1>
          <ErrorMessage error={integration.error} retry={() => void integration.refetch()} />
        </>
      ) : (
        <ConnectForm integration={integration.data} />
      )}
    </>
  );
}

function ConnectForm({ integration }: { integration: IntegrationDetail }) {
  const api = useApi();
  const navigate = useNavigate();
  const form = useConnectionForm(integration.config_schema, 'connect', undefined, integration.name);
  const [testNow, setTestNow] = useState(true);
  const [busy, setBusy] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const oauth = integration.auth_type === 'oauth2';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    const values = form.read();
    if (!values) return;
    setBusy('Creating the connection…');
    let id: string;
    try {
      const created = await createConnection(api, {
        ...values.settings,
        definition_id: integration.id,
        config: values.config,
      });
      id = created.id;
    } catch (error) {
      if (!form.showServerError(error)) setFailure(error);
      setBusy(null);
      return;
    }
    const state: ConnectionPageState = { created: true };
    try {
      if (oauth) {
        setBusy(`Sending you to ${integration.name}…`);
        const { authorization_url: url } = await startOAuth(api, id, oauthReturnUrl(id));
        window.location.assign(url);
        return;
      }
      if (testNow) {
        setBusy('Testing the credentials…');
        state.test = await testConnection(api, id);
      }
    } catch (error) {
      // The connection exists: its page shows what went wrong and offers to try again.
      state.failure = error instanceof Error ? error.message : String(error);
    }
    navigate(paths.connection(id), { state });
  };

  return (
    <>
      <h1>Connect {integration.name}</h1>
      <div className="integration-intro">
        <img src={integration.icon_url} alt="" width={48} height={48} />
        <div>
          <p>{integration.description || integration.short_description}</p>
          <p className="quiet">
            {humanize(integration.category)} · Authentication: {humanize(integration.auth_type)} · Version{' '}
            {integration.version}
            {integration.documentation_url ? (
              <>
                {' · '}
                <a href={integration.documentation_url} target="_blank" rel="noreferrer">
                  Documentation<span className="sr-only"> (opens in a new tab)</span>
                </a>
              </>
            ) : null}
          </p>
        </div>
      </div>
      <form id="connect" className="form" onSubmit={submit} noValidate aria-describedby="connect-help">
        <p id="connect-help" className="hint">
          Fields marked * are required. Secrets are stored encrypted and never shown again.
        </p>
        <ConnectionFormFields form={form} integration={integration} idPrefix="connect" grouped />
        {oauth ? (
          <p className="notice">
            After creating the connection you are sent to {integration.name} to approve access, then brought
            back here.
          </p>
        ) : (
          <div className="field field--check">
            <input
              id="connect-test"
              type="checkbox"
              checked={testNow}
              onChange={(e) => setTestNow(e.target.checked)}
            />
            <label htmlFor="connect-test">Test the credentials right after creating the connection</label>
          </div>
        )}
        {failure ? <ErrorMessage error={failure} title="The connection was not created" /> : null}
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={busy !== null}>
            {oauth ? `Create and connect with ${integration.name}` : 'Create connection'}
          </button>
          <Link to={paths.catalog()} className="button button--quiet">
            Cancel
          </Link>
          {busy ? (
            <p role="status" className="quiet">
              {busy}
            </p>
          ) : null}
        </div>
      </form>
    </>
  );
}
