import { scrollRegion } from '../../components/scroll-region';
import { formatNumber } from '../../format';

interface FailedItemsProps {
  items: { item: string; error: string }[];
  /** How many failed in all (the run keeps the details of the first ones only). */
  count: number;
}

/** The items the run could not write, each with the provider's or the engine's reason. */
export function FailedItems({ items, count }: FailedItemsProps) {
  if (items.length === 0) {
    return <p>{formatNumber(count)} items failed; the run kept no details for them. Its log may say more.</p>;
  }
  return (
    <div {...scrollRegion('Failed items, table')}>
      <table>
        <caption className="sr-only">Failed items</caption>
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item, index) => (
            // Items may repeat (one failing twice): their position keeps keys apart.
            // biome-ignore lint/suspicious/noArrayIndexKey: rows never reorder
            <tr key={`${item.item}-${index}`}>
              <th scope="row">
                <code>{item.item}</code>
              </th>
              <td className="text-bad">{item.error}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {count > items.length ? (
        <p className="quiet">
          Showing the first {formatNumber(items.length)} of {formatNumber(count)} failed items.
        </p>
      ) : null}
    </div>
  );
}
