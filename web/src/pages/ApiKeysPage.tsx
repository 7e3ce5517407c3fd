import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { type ApiKey, createApiKey, listApiKeys, revokeApiKey, rotateApiKey } from '../api/org';
import { useApi } from '../app/services';
import { useMe } from '../auth/me';
import { Badge } from '../components/Badge';
import { EmptyState, ErrorMessage, Loading } from '../components/Feedback';
import { Pager } from '../components/Pager';
import { RelativeTime } from '../components/RelativeTime';
import { SecretOnce } from '../components/SecretOnce';
import { scrollRegion } from '../components/scroll-region';
import { formatNumber } from '../format';
import { keys } from '../queries/keys';

/** The org's API keys: create with scopes (the key shown once), rotate (shown once), revoke. */
export default function ApiKeysPage() {
  const api = useApi();
  const [page, setPage] = useState(1);
  const [adding, setAdding] = useState(false);
  const [shown, setShown] = useState<{ name: string; key: string } | null>(null);
  const list = useQuery({
    queryKey: keys.apiKeyList(page),
    queryFn: ({ signal }) => listApiKeys(api, page, signal),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <div className="page-head">
        <div>
          <h1>API keys</h1>
          <p className="quiet">
            Keys call the API as this organisation, within their scopes and what their creator's role still
            allows.
          </p>
        </div>
      </div>
      {shown ? (
        <SecretOnce
          label="API key"
          value={shown.key}
          hint={`Send it as “Authorization: Bearer …” from the service that uses “${shown.name}”.`}
          onDismiss={() => setShown(null)}
        />
      ) : null}
      {adding ? (
        <CreateKeyForm
          onDone={(created) => {
            setAdding(false);
            if (created) setShown(created);
          }}
        />
      ) : (
        <button type="button" className="button button--primary" onClick={() => setAdding(true)}>
          Create an API key
        </button>
      )}
      {list.isPending ? (
        <Loading what="Loading API keys" />
      ) : list.isError ? (
        <ErrorMessage error={list.error} retry={() => void list.refetch()} />
      ) : list.data.data.length === 0 ? (
        <EmptyState title="No API keys yet">
          <p>Create one for each service that calls Switchboard, with only the scopes it needs.</p>
        </EmptyState>
      ) : (
        <>
          <div {...scrollRegion('API keys')}>
            <table aria-busy={list.isFetching}>
              <caption className="sr-only">API keys, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Expires</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.data.data.map((key) => (
                  <KeyRow
                    key={key.id}
                    apiKey={key}
                    onKey={(value) => setShown({ name: key.name, key: value })}
                  />
                ))}
              </tbody>
            </table>
          </div>
          <Pager pagination={list.data.pagination} noun="API keys" onPage={setPage} />
        </>
      )}
    </>
  );
}

function KeyRow({ apiKey, onKey }: { apiKey: ApiKey; onKey: (key: string) => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: keys.apiKeys });
  const rotate = useMutation({
    mutationFn: () => rotateApiKey(api, apiKey.id),
    onSuccess: (rotated) => onKey(rotated.key),
    onSettled: refresh,
  });
  const revoke = useMutation({ mutationFn: () => revokeApiKey(api, apiKey.id), onSettled: refresh });
  const expired = Date.parse(apiKey.expires_at) <= Date.now();
  const usable = apiKey.revoked_at === null && !expired;
  return (
    <tr>
      <th scope="row">
        {apiKey.name}
        <span className="cell-sub">
          <code>{apiKey.prefix}…</code>
        </span>
        {apiKey.revoked_at ? <Badge value="revoked" /> : expired ? <Badge value="expired" /> : null}
      </th>
      <td>{apiKey.scopes.join(', ')}</td>
      <td>
        <RelativeTime value={apiKey.last_used_at} empty="never" />
        <span className="cell-sub">{formatNumber(apiKey.usage_count)} requests</span>
      </td>
      <td>
        <RelativeTime value={apiKey.expires_at} />
      </td>
      <td>
        {usable ? (
          <span className="action-group">
            <button
              type="button"
              className="button"
              disabled={rotate.isPending || revoke.isPending}
              onClick={() => {
                if (window.confirm(`Rotate “${apiKey.name}”? The current value is refused at once.`))
                  rotate.mutate();
              }}
            >
              Rotate<span className="sr-only"> {apiKey.name}</span>
            </button>
            <button
              type="button"
              className="button button--danger"
              disabled={rotate.isPending || revoke.isPending}
              onClick={() => {
                if (window.confirm(`Revoke “${apiKey.name}”? It is refused from the next request on.`))
                  revoke.mutate();
              }}
            >
              Revoke<span className="sr-only"> {apiKey.name}</span>
            </button>
          </span>
        ) : null}
        {rotate.isError || revoke.isError ? (
          <ErrorMessage error={rotate.error ?? revoke.error} title="That did not work" />
        ) : null}
      </td>
    </tr>
  );
}

function CreateKeyForm({ onDone }: { onDone: (created: { name: string; key: string } | null) => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  // A key can only hold scopes its creator holds: those are the ones offered.
  const permissions = useMe().data?.permissions ?? [];
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  const [days, setDays] = useState('90');
  const [problem, setProblem] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () =>
      createApiKey(api, { name: name.trim(), scopes, ...(days ? { expires_in_days: Number(days) } : {}) }),
    onSuccess: (created) => {
      void queryClient.invalidateQueries({ queryKey: keys.apiKeys });
      onDone({ name: created.name, key: created.key });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (scopes.length === 0) {
      setProblem('Choose at least one scope.');
      return;
    }
    setProblem(null);
    create.mutate();
  };
  return (
    <form className="form" onSubmit={submit} aria-label="Create an API key">
      <div className="field">
        <label htmlFor="key-name">Name</label>
        <input
          id="key-name"
          required
          maxLength={255}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
      </div>
      <fieldset
        className={problem ? 'group group--invalid' : 'group'}
        aria-describedby={problem ? 'key-scopes-error' : undefined}
      >
        <legend>Scopes</legend>
        <div className="group__items">
          {permissions.map((permission) => (
            <div key={permission} className="field field--check group__item">
              <input
                id={`scope-${permission}`}
                type="checkbox"
                checked={scopes.includes(permission)}
                onChange={(e) =>
                  setScopes(
                    e.target.checked ? [...scopes, permission] : scopes.filter((s) => s !== permission),
                  )
                }
              />
              <label htmlFor={`scope-${permission}`}>{permission}</label>
            </div>
          ))}
        </div>
        {problem ? (
          <p id="key-scopes-error" className="field-error">
            {problem}
          </p>
        ) : null}
      </fieldset>
      <div className="field">
        <label htmlFor="key-days">Expires after (days)</label>
        <input
          id="key-days"
          type="number"
          min={1}
          max={3650}
          value={days}
          onChange={(e) => setDays(e.target.value)}
        />
      </div>
      {create.isError ? <ErrorMessage error={create.error} title="The key was not created" /> : null}
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create key'}
        </button>
        <button type="button" className="button button--quiet" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
