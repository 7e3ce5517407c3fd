import { type ComponentType, type LazyExoticComponent, lazy } from 'react';
import type { Permission } from '../auth/permissions';

export interface PageRoute {
  path: string;
  title: string;
  /** Shown in the main navigation under this label. */
  nav?: string;
  /** Needed to see the page; without it the page says so and the navigation leaves it out. */
  permission: Permission;
  /** The page, loaded on first visit (each page is its own chunk). Absent: not built yet. */
  page?: LazyExoticComponent<ComponentType>;
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
    page: lazy(() => import('../pages/DashboardPage')),
  },
  {
    path: '/catalog',
    title: 'Catalog',
    nav: 'Catalog',
    permission: 'catalog:read',
    page: lazy(() => import('../pages/CatalogPage')),
  },
  {
    path: '/catalog/:slug',
    title: 'Connect an integration',
    permission: 'connections:create',
    page: lazy(() => import('../pages/ConnectPage')),
  },
  {
    path: '/connections',
    title: 'Connections',
    nav: 'Connections',
    permission: 'connections:read',
    page: lazy(() => import('../pages/ConnectionsPage')),
  },
  {
    path: '/connections/:id',
    title: 'Connection',
    permission: 'connections:read',
    page: lazy(() => import('../pages/ConnectionPage')),
  },

  {
    path: '/connections/:id/runs/:runId',
    title: 'Sync run',
    permission: 'runs:read',
    page: lazy(() => import('../pages/RunPage')),
  },
  {
    path: '/webhook-endpoints',
    title: 'Webhooks out',
    nav: 'Webhooks out',
    permission: 'webhooks:manage',
    page: lazy(() => import('../pages/WebhookEndpointsPage')),
  },
  {
    path: '/events',
    title: 'Events',
    nav: 'Events',
    permission: 'events:read',
    page: lazy(() => import('../pages/EventsPage')),
  },
  {
    path: '/members',
    title: 'Members and invitations',
    nav: 'Members',
    permission: 'users:read',
    page: lazy(() => import('../pages/MembersPage')),
  },
  {
    path: '/api-keys',
    title: 'API keys',
    nav: 'API keys',
    permission: 'api_keys:manage',
    page: lazy(() => import('../pages/ApiKeysPage')),
  },
  {
    path: '/audit-log',
    title: 'Audit log',
    nav: 'Audit log',
    permission: 'audit:read',
    page: lazy(() => import('../pages/AuditLogPage')),
  },
];

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
