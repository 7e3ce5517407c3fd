import { type ReactNode, useEffect, useRef, useState } from 'react';
import { Link, NavLink, useLocation } from 'react-router';
import { useCan, useMe } from '../auth/me';
import { roleLabel } from '../auth/permissions';
import { ErrorMessage } from '../components/Feedback';
import { LiveIndicator } from '../live/LiveProvider';
import { isAvailable, PAGES } from './routes';
import { useServices } from './services';

/** The shell: skip link, banner, navigation, main landmark. */
export function Layout({ children }: { children: ReactNode }) {
  const can = useCan();
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  const [menuOpen, setMenuOpen] = useState(false);
  const firstPath = useRef(location.pathname);

  // After a navigation, focus moves to the new page so screen readers start reading it.
  useEffect(() => {
    setMenuOpen(false);
    if (location.pathname !== firstPath.current) {
      firstPath.current = '';
      main.current?.focus();
    }
  }, [location.pathname]);

  const links = PAGES.filter((route) => route.nav && isAvailable(route, can));
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          <span className="brand__mark" aria-hidden="true" />
          Switchboard
        </Link>
        <button
          type="button"
          className="button menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen((open) => !open)}
        >
          Menu
        </button>
        <div className="topbar__tools">
          <OrgSwitcher />
          <LiveIndicator />
          <UserMenu />
        </div>
      </header>
      <div className="frame">
        <nav id="main-nav" aria-label="Main" className={menuOpen ? 'sidenav sidenav--open' : 'sidenav'}>
          <ul>
            {links.map((route) => (
              <li key={route.path}>
                <NavLink to={route.path} end={route.path === '/'}>
                  {route.nav}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" ref={main} tabIndex={-1}>
          {children}
        </main>
      </div>
    </>
  );
}

/** The caller's organisations; picking one signs in to it (a new session for that org). */
function OrgSwitcher() {
  const me = useMe();
  const { session } = useServices();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (!me.data) return null;
  const { org, orgs } = me.data;
  if (orgs.length <= 1) return <p className="org-name">{org.name}</p>;
  return (
    <div className="org-switcher">
      <label htmlFor="org-switcher">Organisation</label>
      <select
        id="org-switcher"
        value={org.id}
        disabled={busy}
        onChange={async (event) => {
          setBusy(true);
          setError(null);
          try {
            await session.switchOrg(event.target.value);
          } catch (failure) {
            setError(failure);
          } finally {
            setBusy(false);
          }
        }}
      >
        {orgs.map((option) => (
          <option key={option.id} value={option.id}>
            {option.name} ({roleLabel(option.role)})
          </option>
        ))}
      </select>
      {error ? <ErrorMessage error={error} title="Could not switch organisation" /> : null}
    </div>
  );
}

function UserMenu() {
  const me = useMe();
  const { session } = useServices();
  const name = me.data?.user?.name ?? me.data?.user?.email;
  return (
    <div className="user-menu">
      {name ? (
        <p>
          <span className="user-menu__name">{name}</span>{' '}
          <span className="user-menu__role">{roleLabel(me.data?.role)}</span>
        </p>
      ) : null}
      <button type="button" className="button" onClick={() => void session.logout()}>
        Sign out
      </button>
    </div>
  );
}
