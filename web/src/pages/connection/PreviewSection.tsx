import { useQuery } from '@tanstack/react-query';
import { getPreview } from '../../api/connections';
import { isApiError } from '../../api/errors';
import type { JsonValue } from '../../api/types';
import { useApi } from '../../app/services';
import { EmptyState, ErrorMessage, Loading } from '../../components/Feedback';
import { RelativeTime } from '../../components/RelativeTime';
import { scrollRegion } from '../../components/scroll-region';
import { formatNumber, formatPercent, humanize } from '../../format';
import { keys } from '../../queries/keys';

const isRecord = (value: JsonValue): value is { [key: string]: JsonValue } =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A number as its name says: `*_pct` and `*_rate` are percentages. */
function formatValue(name: string, value: JsonValue): string {
  if (value === null) return '—';
  if (typeof value === 'number')
    return /(_pct|_rate)$/.test(name) ? formatPercent(value) : formatNumber(value);
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** Any provider's preview: groups of figures, and lists of rows as tables. */
function PreviewValue({ name, value }: { name: string; value: JsonValue }) {
  if (Array.isArray(value)) {
    const rows = value.filter(isRecord);
    if (rows.length === 0) return <p className="quiet">None.</p>;
    const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
    return (
      <div {...scrollRegion(humanize(name))}>
        <table>
          <caption className="sr-only">{humanize(name)}</caption>
          <thead>
            <tr>
              {columns.map((column) => (
                <th key={column} scope="col">
                  {humanize(column)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: preview rows have no id
              <tr key={index}>
                {columns.map((column) => (
                  <td key={column}>{formatValue(column, row[column] ?? null)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  }
  if (isRecord(value)) {
    return (
      <dl className="facts facts--compact">
        {Object.entries(value).map(([key, inner]) => (
          <div key={key}>
            <dt>{humanize(key)}</dt>
            <dd>
              {isRecord(inner) || Array.isArray(inner) ? (
                <PreviewValue name={key} value={inner} />
              ) : (
                formatValue(key, inner)
              )}
            </dd>
          </div>
        ))}
      </dl>
    );
  }
  return <p>{formatValue(name, value)}</p>;
}

export function PreviewSection({ id }: { id: string }) {
  const api = useApi();
  const preview = useQuery({
    queryKey: keys.connectionPreview(id),
    queryFn: ({ signal }) => getPreview(api, id, signal),
  });
  if (preview.isPending) return <Loading what="Loading the preview" />;
  if (preview.isError) {
    const code = isApiError(preview.error) ? preview.error.code : undefined;
    if (code === 'CONNECTION_NOT_SYNCED') {
      return (
        <EmptyState title="No preview yet">
          <p>The preview summarises synced data: it appears once a sync completes.</p>
        </EmptyState>
      );
    }
    if (code === 'PREVIEW_UNSUPPORTED') {
      return <EmptyState title="This integration has no preview" />;
    }
    return <ErrorMessage error={preview.error} retry={() => void preview.refetch()} />;
  }
  const { preview: data, last_synced_at: syncedAt } = preview.data;
  return (
    <>
      <p className="quiet">
        From the data synced <RelativeTime value={syncedAt} />.
      </p>
      <div className="preview">
        {Object.entries(data).map(([group, value]) => (
          <div key={group} className="preview__group">
            <h3>{humanize(group)}</h3>
            <PreviewValue name={group} value={value} />
          </div>
        ))}
      </div>
    </>
  );
}
