import type { ActivityHour, SyncActivity } from '../api/types';
import { formatNumber, plural } from '../format';
import { scrollRegion } from './scroll-region';

type Measure = Exclude<keyof ActivityHour, 'hour'>;

interface Series {
  key: Measure;
  label: string;
  tone: 'good' | 'bad' | 'info';
}

const WIDTH = 720;
const HEIGHT = 220;
const PAD = { left: 84, right: 8, top: 14, bottom: 40 };

const hourFormat = new Intl.DateTimeFormat('en', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const dayFormat = new Intl.DateTimeFormat('en', { weekday: 'short', day: 'numeric' });
const fullFormat = new Intl.DateTimeFormat('en', {
  weekday: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/** The smallest of 1, 2, 5 × 10ⁿ at or above `value`: round axis ends. */
export function niceCeiling(value: number): number {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

const total = (point: ActivityHour, series: Series[]) => series.reduce((sum, s) => sum + point[s.key], 0);

interface BarChartProps {
  id: string;
  title: string;
  points: ActivityHour[];
  series: Series[];
  hours: number;
  summary: string;
}

/** Stacked bars per hour in plain SVG, named and summed up for screen readers. */
function BarChart({ id, title, points, series, hours, summary }: BarChartProps) {
  const max = niceCeiling(Math.max(0, ...points.map((point) => total(point, series))));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / Math.max(1, points.length);
  const barWidth = Math.max(1, slot * 0.72);
  const y = (value: number) => PAD.top + plotHeight - (value / max) * plotHeight;
  const labelEvery = hours <= 24 ? 6 : 24;
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        className="chart__svg"
      >
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{summary}</desc>
        {[0, max / 2, max].map((tick) => (
          <g key={tick} className="chart__grid">
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} />
            <text x={PAD.left - 8} y={y(tick)} dy="0.35em" textAnchor="end">
              {formatNumber(tick)}
            </text>
          </g>
        ))}
        {points.map((point, index) => {
          const x = PAD.left + index * slot + (slot - barWidth) / 2;
          const date = new Date(point.hour);
          let base = 0;
          return (
            <g key={point.hour}>
              <title>
                {`${fullFormat.format(date)}: ${series.map((s) => `${formatNumber(point[s.key])} ${s.label.toLowerCase()}`).join(', ')}`}
              </title>
              {series.map((s) => {
                const value = point[s.key];
                const top = y(base + value);
                const height = y(base) - top;
                base += value;
                return value > 0 ? (
                  <rect
                    key={s.key}
                    className={`chart__bar chart__bar--${s.tone}`}
                    x={x}
                    y={top}
                    width={barWidth}
                    height={height}
                  />
                ) : null;
              })}
              {/* An invisible full-height target, so a thin or empty hour still shows its title on hover. */}
              <rect
                x={PAD.left + index * slot}
                y={PAD.top}
                width={slot}
                height={plotHeight}
                fill="transparent"
              />
              {date.getHours() % labelEvery === 0 ? (
                <text
                  className="chart__label"
                  x={PAD.left + (index + 0.5) * slot}
                  y={HEIGHT - 10}
                  textAnchor="middle"
                >
                  {hours <= 24 ? hourFormat.format(date) : dayFormat.format(date)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <span className="chart__title">{title}</span>
        <ul className="legend">
          {series.map((s) => (
            <li key={s.key}>
              <span className={`legend__swatch chart__bar--${s.tone}`} aria-hidden="true" />
              {s.label}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}

const RUNS: Series[] = [
  { key: 'runs_completed', label: 'Completed', tone: 'good' },
  { key: 'runs_failed', label: 'Failed', tone: 'bad' },
];
const ITEMS: Series[] = [{ key: 'items_synced', label: 'Items synced', tone: 'info' }];

function period(hours: number): string {
  return hours % 24 === 0 && hours > 24 ? `${hours / 24} days` : plural(hours, 'hour');
}

interface ActivityChartProps {
  id: string;
  activity: SyncActivity;
  hours: number;
}

/** Runs and items per hour, with the same numbers as a table for those who cannot see the bars. */
export function ActivityChart({ id, activity, hours }: ActivityChartProps) {
  const points = [...activity.timeline].sort((a, b) => a.hour.localeCompare(b.hour));
  const { totals } = activity;
  const busiest = points.reduce<ActivityHour | undefined>(
    (best, point) => (total(point, RUNS) > (best ? total(best, RUNS) : 0) ? point : best),
    undefined,
  );
  const runSummary =
    `Over the last ${period(hours)}: ${formatNumber(totals.runs_started)} runs started, ` +
    `${formatNumber(totals.runs_completed)} completed, ${formatNumber(totals.runs_failed)} failed.` +
    (busiest
      ? ` Busiest hour: ${fullFormat.format(new Date(busiest.hour))}, ${plural(total(busiest, RUNS), 'run')} finished.`
      : '');
  const itemSummary = `Over the last ${period(hours)}: ${formatNumber(totals.items_synced)} items synced.`;
  const active = points.filter(
    (point) => point.runs_started + total(point, RUNS) + point.items_synced + point.webhooks_received > 0,
  );
  return (
    <div className="activity">
      <div className="activity__charts">
        <BarChart
          id={`${id}-runs`}
          title="Runs finished per hour"
          points={points}
          series={RUNS}
          hours={hours}
          summary={runSummary}
        />
        <BarChart
          id={`${id}-items`}
          title="Items synced per hour"
          points={points}
          series={ITEMS}
          hours={hours}
          summary={itemSummary}
        />
      </div>
      <details className="activity__table">
        <summary>Show the numbers as a table</summary>
        <div {...scrollRegion('Sync activity by hour')}>
          <table>
            <caption>
              Sync activity by hour, last {period(hours)} (hours without activity are left out)
            </caption>
            <thead>
              <tr>
                <th scope="col">Hour</th>
                <th scope="col">Runs started</th>
                <th scope="col">Completed</th>
                <th scope="col">Failed</th>
                <th scope="col">Items synced</th>
                <th scope="col">Webhooks received</th>
              </tr>
            </thead>
            <tbody>
              {active.length === 0 ? (
                <tr>
                  <td colSpan={6}>No sync activity in this period.</td>
                </tr>
              ) : (
                active.map((point) => (
                  <tr key={point.hour}>
                    <th scope="row">
                      <time dateTime={point.hour}>{fullFormat.format(new Date(point.hour))}</time>
                    </th>
                    <td>{formatNumber(point.runs_started)}</td>
                    <td>{formatNumber(point.runs_completed)}</td>
                    <td>{formatNumber(point.runs_failed)}</td>
                    <td>{formatNumber(point.items_synced)}</td>
                    <td>{formatNumber(point.webhooks_received)}</td>
                  </tr>
                ))
              )}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">Total</th>
                <td>{formatNumber(totals.runs_started)}</td>
                <td>{formatNumber(totals.runs_completed)}</td>
                <td>{formatNumber(totals.runs_failed)}</td>
                <td>{formatNumber(totals.items_synced)}</td>
                <td>{formatNumber(totals.webhooks_received)}</td>
              </tr>
            </tfoot>
          </table>
        </div>
      </details>
    </div>
  );
}

interface RangeToggleProps {
  hours: number;
  onChange: (hours: number) => void;
  label: string;
}

/** 24 h / 7 d, as two toggle buttons. */
export function RangeToggle({ hours, onChange, label }: RangeToggleProps) {
  return (
    <fieldset className="segmented">
      <legend className="sr-only">{label}</legend>
      {[
        [24, '24 hours'],
        [168, '7 days'],
      ].map(([value, text]) => (
        <button
          key={value}
          type="button"
          className="button"
          aria-pressed={hours === value}
          onClick={() => onChange(Number(value))}
        >
          {text}
        </button>
      ))}
    </fieldset>
  );
}
