import type { QueryClient } from '@tanstack/react-query';
import { type ComponentType, type LazyExoticComponent, lazy } from 'react';
import { matchPath } from 'react-router';
import type { ApiClient } from '../api/client';
import type { Permission } from '../auth/permissions';
import { dashboardQuery, OPENING_ACTIVITY_HOURS, syncActivityQuery } from '../queries/dashboard';

/** A page loaded on first visit (each page is its own chunk); `preload` starts loading it sooner. */
export type Page = LazyExoticComponent<ComponentType> & { preload: () => Promise<unknown> };

function lazyPage(load: () => Promise<{ default: ComponentType }>): Page {
  return Object.assign(lazy(load), { preload: load });
}

export interface PageRoute {
  path: string;
  title: string;
  /** Shown in the main navigation under this label. */
  nav?: string;
  /** Needed to see the page; without it the page says so and the navigation leaves it out. */
  permission: Permission;
  /** The page. Absent: not built yet. */
  page?: Page;
  /** Asks for what the page shows first, when the app opens on it (beside `me`, not after it). */
  prefetch?: (queryClient: QueryClient, api: ApiClient) => Promise<unknown>;
}

/**
 * The app's pages: one file each in `web/src/pages/`. The org is client state, not part of the
 * path: a session (its tokens) belongs to one org, and switching org mints a new session.
 */
export const PAGES: PageRoute[] = [
  {
    path: '/',
    title: 'Dashboard',
    nav: 'Dashboard',
    permission: 'dashboard:read',
    page: lazyPage(() => import('../pages/DashboardPage')),
    prefetch: (queryClient, api) =>
      Promise.all([
        queryClient.prefetchQuery(dashboardQuery(api)),
        queryClient.prefetchQuery(syncActivityQuery(api, OPENING_ACTIVITY_HOURS)),
      ]),
  },
  {
    path: '/catalog',
    title: 'Catalog',
    nav: 'Catalog',
    permission: 'catalog:read',
    page: lazyPage(() => import('../pages/CatalogPage')),
  },
  {
    path: '/catalog/:slug',
    title: 'Connect an integration',
    permission: 'connections:create',
    page: lazyPage(() => import('../pages/ConnectPage')),
  },
  {
    path: '/connections',
    title: 'Connections',
    nav: 'Connections',
    permission: 'connections:read',
    page: lazyPage(() => import('../pages/ConnectionsPage')),
  },
  {
    path: '/connections/:id',
    title: 'Connection',
    permission: 'connections:read',
    page: lazyPage(() => import('../pages/ConnectionPage')),
  },

  {
    path: '/connections/:id/runs/:runId',
    title: 'Sync run',
    permission: 'runs:read',
    page: lazyPage(() => import('../pages/RunPage')),
  },
  {
    path: '/webhook-endpoints',
    title: 'Webhooks out',
    nav: 'Webhooks out',
    permission: 'webhooks:manage',
    page: lazyPage(() => import('../pages/WebhookEndpointsPage')),
  },
  {
    path: '/events',
    title: 'Events',
    nav: 'Events',
    permission: 'events:read',
    page: lazyPage(() => import('../pages/EventsPage')),
  },
  {
    path: '/members',
    title: 'Members and invitations',
    nav: 'Members',
    permission: 'users:read',
    page: lazyPage(() => import('../pages/MembersPage')),
  },
  {
    path: '/api-keys',
    title: 'API keys',
    nav: 'API keys',
    permission: 'api_keys:manage',
    page: lazyPage(() => import('../pages/ApiKeysPage')),
  },
  {
    path: '/audit-log',
    title: 'Audit log',
    nav: 'Audit log',
    permission: 'audit:read',
    page: lazyPage(() => import('../pages/AuditLogPage')),
  },
];

/** The page at a path (`/connections/123`), if any. */
export function pageAt(pathname: string): PageRoute | undefined {
  return PAGES.find((route) => matchPath(route.path, pathname) !== null);
}

/** Links into the pages, so a path is spelled in one place. */
export const paths = {
  dashboard: () => '/',
  catalog: () => '/catalog',
  connect: (slug: string) => `/catalog/${encodeURIComponent(slug)}`,
  connections: () => '/connections',
  connection: (id: string) => `/connections/${encodeURIComponent(id)}`,
  run: (connectionId: string, runId: string) =>
    `/connections/${encodeURIComponent(connectionId)}/runs/${encodeURIComponent(runId)}`,
  login: () => '/login',
};

/** Whether the page at a route pattern is built (the second wave's slots are not, yet). */
export function routeBuilt(path: string): boolean {
  return PAGES.some((route) => route.path === path && route.page !== undefined);
}

/** Whether a page is there to link to: built, and allowed to the caller. */
export function isAvailable(route: PageRoute, can: (permission: Permission) => boolean): boolean {
  return route.page !== undefined && can(route.permission);
}
