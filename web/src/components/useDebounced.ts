import { useCallback, useEffect, useRef } from 'react';

/** `callback`, called once calls stop coming for `ms` (the search boxes: query as you type). */
export function useDebounced<A extends unknown[]>(
  callback: (...args: A) => void,
  ms = 300,
): (...args: A) => void {
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const latest = useRef(callback);
  latest.current = callback;
  useEffect(() => () => clearTimeout(timer.current), []);
  return useCallback(
    (...args: A) => {
      clearTimeout(timer.current);
      timer.current = setTimeout(() => latest.current(...args), ms);
    },
    [ms],
  );
}
