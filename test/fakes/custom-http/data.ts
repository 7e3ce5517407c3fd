/** The fake JSON API's ground truth: what each listing holds, changeable between requests. */

export interface FakeUser {
  id?: string;
  login: string;
  email: string;
  updated_at?: string;
}

export interface FakeChannel {
  id: string;
  name: string;
  is_private: boolean;
}

export interface FakeTicket {
  id: number;
  subject: string;
  status: 'open' | 'closed';
}

export interface FakeDevice {
  id: string;
  type: 'devices';
  attributes: { serial: string; hostname: string; os: string };
}

export interface FakeTeam {
  id: string;
  name: string;
}

export interface FakeData {
  users: FakeUser[];
  channels: FakeChannel[];
  tickets: FakeTicket[];
  devices: FakeDevice[];
  teams: FakeTeam[];
}

export interface DataOptions {
  users?: number;
  channels?: number;
  tickets?: number;
  devices?: number;
  teams?: number;
}

const pad = (n: number) => String(n).padStart(4, '0');
/** Users were last updated a minute apart from 2024-01-01, in id order. */
const EPOCH = Date.UTC(2024, 0, 1);

export function fakeData(options: DataOptions = {}): FakeData {
  const range = (n: number | undefined, fallback: number) =>
    Array.from({ length: n ?? fallback }, (_, i) => i + 1);
  return {
    users: range(options.users, 60).map((i) => ({
      id: `u-${pad(i)}`,
      login: `user${i}`,
      email: `user${i}@example.com`,
      updated_at: new Date(EPOCH + i * 60_000).toISOString(),
    })),
    channels: range(options.channels, 45).map((i) => ({
      id: `C${pad(i)}`,
      name: `channel-${i}`,
      is_private: i % 3 === 0,
    })),
    tickets: range(options.tickets, 70).map((i) => ({
      id: 1000 + i,
      subject: `Ticket ${i}`,
      status: i % 4 === 0 ? 'closed' : 'open',
    })),
    devices: range(options.devices, 33).map((i) => ({
      id: `dev_${i}`,
      type: 'devices',
      attributes: {
        serial: `SN-${pad(i)}`,
        hostname: `host-${i}.corp`,
        os: i % 2 === 0 ? 'macOS' : 'Windows',
      },
    })),
    teams: range(options.teams, 4).map((i) => ({ id: `t-${i}`, name: `Team ${i}` })),
  };
}
