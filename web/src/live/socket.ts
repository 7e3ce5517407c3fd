import { io, type Socket } from 'socket.io-client';
import type { EventItem } from '../api/types';
import type { SocketFactory } from './live-client';

interface ServerEvents {
  event: (item: EventItem) => void;
  resync: () => void;
}

/** The browser's socket: Socket.io on the API's own origin, at /socket.io. */
export const connectSocket: SocketFactory = (auth) => {
  const socket: Socket<ServerEvents> = io({ path: '/socket.io', auth: (send) => send({ ...auth() }) });
  return {
    get active() {
      return socket.active;
    },
    onConnect: (listener) => void socket.on('connect', listener),
    onDisconnect: (listener) => void socket.on('disconnect', listener),
    onConnectError: (listener) => void socket.on('connect_error', listener),
    onReconnectAttempt: (listener) => void socket.io.on('reconnect_attempt', listener),
    onEvent: (listener) => void socket.on('event', listener),
    onResync: (listener) => void socket.on('resync', listener),
    connect: () => void socket.connect(),
    disconnect: () => void socket.disconnect(),
  };
};
