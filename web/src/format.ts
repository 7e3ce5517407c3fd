/** Words for the API's machine names and numbers, in one place. */

const LABELS: Record<string, string> = {
  pending_setup: 'Pending setup',
  configuring: 'Configuring',
  connected: 'Connected',
  syncing: 'Syncing',
  error: 'Error',
  disabled: 'Disabled',
  healthy: 'Healthy',
  degraded: 'Degraded',
  unhealthy: 'Unhealthy',
  unknown: 'Unknown',
  cloud_infrastructure: 'Cloud infrastructure',
  identity_access: 'Identity & access',
  code_devops: 'Code & DevOps',
  communication: 'Communication',
  ticketing: 'Ticketing',
  custom: 'Custom',
  api_key: 'API key',
  oauth2: 'OAuth 2.0',
  aws_iam: 'AWS IAM',
  basic: 'Username & password',
  mfa: 'MFA',
  pct: '%',
  url: 'URL',
  id: 'ID',
};

/** `sync_users` → "Sync users"; known names get their own words. */
export function humanize(name: string): string {
  const known = LABELS[name];
  if (known) return known;
  const words = name.split(/[_\s-]+/).filter(Boolean);
  const text = words.map((word) => LABELS[word] ?? word).join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const integer = new Intl.NumberFormat('en');
const decimal = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return Number.isInteger(value) ? integer.format(value) : decimal.format(value);
}

export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${decimal.format(value)}%`;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${decimal.format(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds % 60);
  if (minutes < 60) return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min`;
}

/** An interval in minutes as people say it: 360 → "6 hours". */
export function formatInterval(minutes: number): string {
  if (minutes % 1440 === 0) return plural(minutes / 1440, 'day');
  if (minutes % 60 === 0) return plural(minutes / 60, 'hour');
  return plural(minutes, 'minute');
}

export function plural(count: number, unit: string): string {
  return `${formatNumber(count)} ${unit}${count === 1 ? '' : 's'}`;
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${decimal.format(value)} ${units[unit]}`;
}

const absolute = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'long' });

export function formatAbsolute(iso: string): string {
  return absolute.format(new Date(iso));
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
  ['week', 4.35],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
];

/** "3 minutes ago", "in 2 hours"; under ten seconds either way is "just now". */
export function formatRelative(iso: string, now: number): string {
  let value = (Date.parse(iso) - now) / 1000;
  if (Math.abs(value) < 10) return 'just now';
  for (const [unit, size] of STEPS) {
    if (Math.abs(value) < size) return relative.format(Math.round(value), unit);
    value /= size;
  }
  return relative.format(Math.round(value), 'year');
}

/** "a, b ,, c" → ["a", "b", "c"]: lists typed into one field. */
export function splitList(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((part) => part.trim())
    .filter(Boolean);
}
