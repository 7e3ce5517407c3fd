import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { type CatalogFilters, listIntegrations } from '../api/catalog';
import { CAPABILITIES, CATEGORIES, type Integration } from '../api/types';
import { paths } from '../app/routes';
import { useApi } from '../app/services';
import { useCan } from '../auth/me';
import { EmptyState, ErrorMessage, Loading } from '../components/Feedback';
import { FilterSelect, SearchField } from '../components/Filters';
import { Pager } from '../components/Pager';
import { humanize, plural } from '../format';
import { keys } from '../queries/keys';

const PER_PAGE = 24;

export default function CatalogPage() {
  const api = useApi();
  const [params, setParams] = useSearchParams();
  const filters: CatalogFilters = {
    category: params.get('category') ?? undefined,
    capability: params.get('capability') ?? undefined,
    search: params.get('search') ?? undefined,
    is_beta: params.get('beta') === 'true' ? true : undefined,
    page: Number(params.get('page') ?? 1) || 1,
    per_page: PER_PAGE,
  };
  const catalog = useQuery({
    queryKey: keys.catalogList(filters),
    queryFn: ({ signal }) => listIntegrations(api, filters, signal),
    placeholderData: keepPreviousData,
  });

  const set = (name: string, value: string | undefined) =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      if (value) next.set(name, value);
      else next.delete(name);
      if (name !== 'page') next.delete('page');
      return next;
    });

  const clearFilters = () => setParams(new URLSearchParams());

  const filtered = Boolean(filters.category || filters.capability || filters.search || filters.is_beta);
  return (
    <>
      <h1>Catalog</h1>
      <p className="lead">The integrations your organisation can connect. Pick one to connect it.</p>
      <search aria-label="Filter integrations">
        <form className="filters" onSubmit={(e) => e.preventDefault()}>
          <SearchField
            id="catalog-search"
            value={filters.search ?? ''}
            placeholder="Name or description"
            onSearch={(text) => set('search', text)}
          />
          <FilterSelect
            id="catalog-category"
            label="Category"
            any="All categories"
            value={filters.category}
            options={CATEGORIES}
            onChange={(value) => set('category', value)}
          />
          <FilterSelect
            id="catalog-capability"
            label="Capability"
            any="Any capability"
            value={filters.capability}
            options={CAPABILITIES}
            onChange={(value) => set('capability', value)}
          />
          <div className="field field--check">
            <input
              id="catalog-beta"
              type="checkbox"
              checked={filters.is_beta === true}
              onChange={(e) => set('beta', e.target.checked ? 'true' : undefined)}
            />
            <label htmlFor="catalog-beta">Beta only</label>
          </div>
        </form>
      </search>

      {catalog.isPending ? (
        <Loading what="Loading the catalog" />
      ) : catalog.isError ? (
        <ErrorMessage error={catalog.error} retry={() => void catalog.refetch()} />
      ) : catalog.data.data.length === 0 ? (
        <EmptyState title={filtered ? 'No integration matches these filters' : 'The catalog is empty'}>
          {filtered ? (
            <p>
              <button type="button" className="button" onClick={clearFilters}>
                Clear the filters
              </button>
            </p>
          ) : (
            <p>
              A platform administrator adds integrations through the admin API (/api/v1/admin/integrations).
            </p>
          )}
        </EmptyState>
      ) : (
        <>
          <ul className="integrations" aria-busy={catalog.isFetching}>
            {catalog.data.data.map((integration) => (
              <IntegrationCard key={integration.id} integration={integration} />
            ))}
          </ul>
          <Pager
            pagination={catalog.data.pagination}
            noun="integrations"
            onPage={(page) => set('page', String(page))}
          />
        </>
      )}
    </>
  );
}

function IntegrationCard({ integration }: { integration: Integration }) {
  const can = useCan();
  const oauth = integration.auth_type === 'oauth2';
  return (
    <li className="integration">
      <div className="integration__head">
        <img src={integration.icon_url} alt="" width={40} height={40} />
        <div>
          <h2 className="integration__name">{integration.name}</h2>
          <p className="quiet">
            {humanize(integration.category)} · {humanize(integration.auth_type)}
            {integration.is_beta ? <span className="badge badge--warn">Beta</span> : null}
          </p>
        </div>
      </div>
      <p>{integration.short_description}</p>
      <ul className="chips" aria-label="Capabilities">
        {integration.capabilities.map((capability) => (
          <li key={capability} className="chip">
            {humanize(capability)}
          </li>
        ))}
      </ul>
      <div className="integration__foot">
        {integration.org_connections > 0 && can('connections:read') ? (
          <Link to={`${paths.connections()}?definition_id=${encodeURIComponent(integration.id)}`}>
            {plural(integration.org_connections, 'connection')}
            <span className="sr-only"> to {integration.name}</span>
          </Link>
        ) : (
          <span className="quiet">Not connected yet</span>
        )}
        {can('connections:create') && integration.is_active ? (
          <Link className="button button--primary" to={paths.connect(integration.slug)}>
            {oauth ? `Connect with ${integration.name}` : `Connect ${integration.name}`}
          </Link>
        ) : null}
      </div>
    </li>
  );
}
