import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { bindCacheToSession } from './app/cache';
import { createQueryClient } from './app/services';
import { SessionManager } from './auth/session';
import { connectSocket } from './live/socket';
import './styles/app.css';

const session = new SessionManager();
const queryClient = createQueryClient();
bindCacheToSession(session, queryClient);
void session.restore();

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App services={{ session, queryClient, connectSocket }} />
    </StrictMode>,
  );
}
