import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { ErrorMessage, Loading } from './Feedback';

interface DetailPanelProps<T> {
  /** What the toggle that opens it names in `aria-controls`. */
  id: string;
  open: boolean;
  /** Enabled while open: a detail is read only when asked for. */
  query: UseQueryResult<T>;
  children: (data: T) => ReactNode;
}

/** An item's detail, read from the API when its toggle opens the panel. */
export function DetailPanel<T>({ id, open, query, children }: DetailPanelProps<T>) {
  return (
    <div id={id} hidden={!open}>
      {!open ? null : query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <ErrorMessage error={query.error} />
      ) : (
        children(query.data)
      )}
    </div>
  );
}
