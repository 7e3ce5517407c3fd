import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { bindCacheToSession } from './app/cache';
import { createQueryClient } from './app/services';
import { startApp } from './app/start';
import { SessionManager } from './auth/session';
import { connectSocket } from './live/socket';
import './styles/app.css';

const session = new SessionManager();
const queryClient = createQueryClient();
bindCacheToSession(session, queryClient);
void startApp({ session, queryClient }, window.location.pathname);

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App services={{ session, queryClient, connectSocket }} />
    </StrictMode>,
  );
}
