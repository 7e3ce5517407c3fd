/**
 * Props of the box around a table that scrolls sideways when the screen is narrower than the
 * table (390 px): focusable, so keyboard users can scroll it, and named "<what> table", so screen
 * readers say what they are in (distinct from the section around it).
 */
export function scrollRegion(what: string) {
  return { className: 'table-wrap', tabIndex: 0, role: 'region', 'aria-label': `${what} table` } as const;
}
