import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import type { Pagination } from '../api/types';
import { ErrorMessage, Loading } from './Feedback';
import { Pager } from './Pager';

interface PagedListProps<T> {
  query: UseQueryResult<{ data: T[]; pagination: Pagination }>;
  /** What the items are, e.g. "deliveries": in the loading message and the pager. */
  noun: string;
  /** Shown when the page holds nothing. */
  empty: ReactNode;
  onPage: (page: number) => void;
  /** An item, keyed. */
  children: (item: T) => ReactNode;
}

/** A page of a list read from the API: loading, its error with a retry, nothing, or its items and the pager. */
export function PagedList<T>({ query, noun, empty, onPage, children }: PagedListProps<T>) {
  if (query.isPending) return <Loading what={`Loading ${noun}`} />;
  if (query.isError) return <ErrorMessage error={query.error} retry={() => void query.refetch()} />;
  if (query.data.data.length === 0) return empty;
  return (
    <>
      <ul className="list" aria-busy={query.isFetching}>
        {query.data.data.map((item) => children(item))}
      </ul>
      <Pager pagination={query.data.pagination} noun={noun} onPage={onPage} />
    </>
  );
}
