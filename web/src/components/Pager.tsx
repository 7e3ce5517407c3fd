import type { Pagination } from '../api/types';
import { formatNumber } from '../format';

interface PagerProps {
  pagination: Pagination;
  onPage: (page: number) => void;
  /** What the rows are, e.g. "connections". */
  noun: string;
}

export function Pager({ pagination, onPage, noun }: PagerProps) {
  const { page, per_page: perPage, total, total_pages: pages } = pagination;
  if (total === 0) return null;
  const first = (page - 1) * perPage + 1;
  const last = Math.min(total, page * perPage);
  return (
    <nav className="pager" aria-label={`Pages of ${noun}`}>
      <p>
        {formatNumber(first)}–{formatNumber(last)} of {formatNumber(total)} {noun}
      </p>
      {pages > 1 ? (
        <div className="pager__buttons">
          <button type="button" className="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
            Previous<span className="sr-only"> page</span>
          </button>
          <span>
            Page {formatNumber(page)} of {formatNumber(pages)}
          </span>
          <button type="button" className="button" disabled={page >= pages} onClick={() => onPage(page + 1)}>
            Next<span className="sr-only"> page</span>
          </button>
        </div>
      ) : null}
    </nav>
  );
}
