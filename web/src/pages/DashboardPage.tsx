import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { paths } from '../app/routes';
import { useApi } from '../app/services';
import { useCan } from '../auth/me';
import { ActivityChart, RangeToggle } from '../components/ActivityChart';
import { EmptyState, ErrorMessage, Loading } from '../components/Feedback';
import { dashboardQuery, OPENING_ACTIVITY_HOURS, syncActivityQuery } from '../queries/dashboard';
import { CategoryCoverage, ConnectionHealth, RecentFailures, StaleConnections } from './dashboard/Panels';
import { SummaryCards } from './dashboard/SummaryCards';

export default function DashboardPage() {
  const api = useApi();
  const can = useCan();
  const [hours, setHours] = useState(OPENING_ACTIVITY_HOURS);
  const dashboard = useQuery(dashboardQuery(api));
  const activity = useQuery({ ...syncActivityQuery(api, hours), placeholderData: keepPreviousData });

  return (
    <>
      <h1>Dashboard</h1>
      {dashboard.isPending ? (
        <Loading what="Loading the dashboard" />
      ) : dashboard.isError ? (
        <ErrorMessage error={dashboard.error} retry={() => void dashboard.refetch()} />
      ) : (
        <>
          <SummaryCards summary={dashboard.data.summary} />
          {dashboard.data.summary.total_connections === 0 ? (
            <EmptyState title="No connections yet">
              <p>
                {can('connections:create') ? (
                  <>
                    Pick an integration in the <Link to={paths.catalog()}>catalog</Link> to connect your first
                    one; its syncs and health then show here.
                  </>
                ) : (
                  'Someone with a role that can create connections needs to add the first one.'
                )}
              </p>
            </EmptyState>
          ) : null}
        </>
      )}

      <section className="panel" aria-labelledby="activity-title">
        <div className="panel__head">
          <h2 id="activity-title">Sync activity</h2>
          <RangeToggle hours={hours} onChange={setHours} label="Period of the sync activity" />
        </div>
        {activity.isPending ? (
          <Loading what="Loading the sync activity" />
        ) : activity.isError ? (
          <ErrorMessage error={activity.error} retry={() => void activity.refetch()} />
        ) : (
          <ActivityChart id="dashboard-activity" activity={activity.data} hours={hours} />
        )}
      </section>

      {dashboard.data && dashboard.data.summary.total_connections > 0 ? (
        <>
          <div className="columns">
            <section className="panel" aria-labelledby="failures-title">
              <h2 id="failures-title">Recent failures</h2>
              <RecentFailures dashboard={dashboard.data} />
            </section>
            <section className="panel" aria-labelledby="stale-title">
              <h2 id="stale-title">Stale connections</h2>
              <StaleConnections freshness={dashboard.data.data_freshness} />
            </section>
          </div>
          <section className="panel" aria-labelledby="health-title">
            <h2 id="health-title">Connection health</h2>
            <ConnectionHealth connections={dashboard.data.connections} />
          </section>
        </>
      ) : null}

      {dashboard.data ? (
        <section className="panel" aria-labelledby="coverage-title">
          <h2 id="coverage-title">Category coverage</h2>
          <CategoryCoverage coverage={dashboard.data.category_coverage} />
        </section>
      ) : null}
    </>
  );
}
