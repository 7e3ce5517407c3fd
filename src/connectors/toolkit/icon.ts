/**
 * A catalog icon inline, as a data URI: a rounded square of `color` with `letter` on it. Served with
 * the definition itself, so the catalog shows it without this server or the provider serving a file.
 */
export function letterIcon(letter: string, color: string): string {
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">' +
    `<rect width="32" height="32" rx="6" fill="${color}"/>` +
    '<text x="16" y="22" font-family="sans-serif" font-size="18" fill="white" text-anchor="middle">' +
    `${letter}</text></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}
