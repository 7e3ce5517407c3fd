import { useEffect, useState } from 'react';
import { formatAbsolute, formatRelative } from '../format';

/** The current time, moving every `everyMs` so relative times stay true while a page is open. */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

interface RelativeTimeProps {
  value: string | null | undefined;
  /** What to say when there is no time, e.g. "never". */
  empty?: string;
}

/** "5 minutes ago", with the absolute time in the element's title and `dateTime`. */
export function RelativeTime({ value, empty = '—' }: RelativeTimeProps) {
  const now = useNow();
  if (!value) return <span>{empty}</span>;
  const absolute = formatAbsolute(value);
  return (
    <time dateTime={value} title={absolute}>
      {formatRelative(value, now)}
    </time>
  );
}
