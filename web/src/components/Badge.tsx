import { humanize } from '../format';

type Tone = 'good' | 'warn' | 'bad' | 'info' | 'muted';

const TONES: Record<string, Tone> = {
  connected: 'good',
  healthy: 'good',
  completed: 'good',
  success: 'good',
  syncing: 'info',
  running: 'info',
  pending: 'info',
  configuring: 'info',
  pending_setup: 'muted',
  degraded: 'warn',
  partial: 'warn',
  error: 'bad',
  unhealthy: 'bad',
  failed: 'bad',
  disabled: 'muted',
  cancelled: 'muted',
  unknown: 'muted',
  // Log levels, webhooks (in and out), deliveries, keys.
  debug: 'muted',
  info: 'info',
  warn: 'warn',
  active: 'good',
  inactive: 'muted',
  paused: 'muted',
  enabled: 'good',
  accepted: 'info',
  processed: 'good',
  ignored: 'muted',
  duplicate: 'muted',
  succeeded: 'good',
  retrying: 'warn',
  revoked: 'muted',
  expired: 'muted',
};

interface BadgeProps {
  value: string | null | undefined;
  /** Read before the value by screen readers, e.g. "Health". */
  label?: string;
}

/** A status in words and colour (the words carry the meaning; the colour only repeats it). */
export function Badge({ value, label }: BadgeProps) {
  if (!value) return <span className="badge badge--muted">—</span>;
  return (
    <span className={`badge badge--${TONES[value] ?? 'muted'}`}>
      {label ? <span className="sr-only">{label}: </span> : null}
      {humanize(value)}
    </span>
  );
}
