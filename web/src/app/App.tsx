import { lazy, Suspense, useEffect } from 'react';
import { BrowserRouter, Link, Navigate, Outlet, Route, Routes, useLocation } from 'react-router';
import { useMe } from '../auth/me';
import { hasPermission, roleLabel } from '../auth/permissions';
import { EmptyState, ErrorMessage, Loading } from '../components/Feedback';
import { LiveProvider } from '../live/LiveProvider';
import { Layout } from './Layout';
import { PAGES, type PageRoute } from './routes';
import { type AppServices, ServicesProvider, useSession } from './services';

const LoginPage = lazy(() => import('../pages/LoginPage'));

export function App({ services }: { services: AppServices }) {
  return (
    <ServicesProvider services={services}>
      <BrowserRouter>
        <AppRoutes />
      </BrowserRouter>
    </ServicesProvider>
  );
}

export function AppRoutes() {
  return (
    <Routes>
      <Route
        path="/login"
        element={
          <Suspense fallback={<Loading />}>
            <LoginPage />
          </Suspense>
        }
      />
      <Route element={<RequireSession />}>
        {PAGES.map((route) => (
          <Route key={route.path} path={route.path} element={<PageGate route={route} />} />
        ))}
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}

/** Signed in: the shell, keyed by org so that switching org starts every page afresh. */
function RequireSession() {
  const state = useSession();
  const location = useLocation();
  // Until the caller's permissions are known the socket is allowed, so that switching org (which
  // forgets them for a moment) reconnects once rather than closing and reopening.
  const permissions = useMe().data?.permissions;
  const canReadEvents = permissions === undefined || hasPermission(permissions, 'events:read');
  if (state.status === 'restoring') return <Loading what="Signing you in" />;
  if (state.status === 'signed_out') {
    return <Navigate to="/login" replace state={{ from: location, reason: state.reason }} />;
  }
  const orgId = state.session.org.id;
  return (
    <LiveProvider orgId={orgId} enabled={canReadEvents}>
      <Layout key={orgId}>
        <Outlet />
      </Layout>
    </LiveProvider>
  );
}

/** A page, once the caller's permissions are known; a page their role cannot see says so. */
function PageGate({ route }: { route: PageRoute }) {
  const me = useMe();
  useEffect(() => {
    document.title = `${route.title} · Switchboard`;
  }, [route.title]);
  if (me.isPending) return <Loading />;
  if (me.isError) return <ErrorMessage error={me.error} retry={() => void me.refetch()} />;
  if (!hasPermission(me.data.permissions, route.permission)) {
    return (
      <>
        <h1>{route.title}</h1>
        <EmptyState title="Your role cannot see this page">
          <p>
            You are {roleLabel(me.data.role)} in {me.data.org.name}. Ask an administrator of the organisation
            for a role that can, or switch to another organisation.
          </p>
        </EmptyState>
      </>
    );
  }
  const Page = route.page;
  if (!Page) {
    return (
      <>
        <h1>{route.title}</h1>
        <EmptyState title="This page is not in this version of the dashboard yet">
          <p>The API has it: see the reference at /docs.</p>
        </EmptyState>
      </>
    );
  }
  return (
    <Suspense fallback={<Loading />}>
      <Page />
    </Suspense>
  );
}

function NotFound() {
  useEffect(() => {
    document.title = 'Not found · Switchboard';
  }, []);
  return (
    <>
      <h1>Page not found</h1>
      <EmptyState title="There is no page at this address">
        <p>
          Check the address, or go back to the <Link to="/">dashboard</Link>.
        </p>
      </EmptyState>
    </>
  );
}
