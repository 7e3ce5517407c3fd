/** The built-in connectors' icons, by connector slug: filled as their definitions load. */
const icons = new Map<string, string>();

/**
 * A connector's icon: a rounded square of `color` with `letter` on it, served by this server at the
 * path returned, its `iconUrl` (`/icons/integrations/okta.svg`, as the spec shows). A path rather
 * than the image inline, so that an answer listing 1,000 connections stays small and the browser
 * fetches each icon once.
 */
export function letterIcon(slug: string, letter: string, color: string): string {
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">' +
    `<rect width="32" height="32" rx="6" fill="${color}"/>` +
    '<text x="16" y="22" font-family="sans-serif" font-size="18" fill="white" text-anchor="middle">' +
    `${letter}</text></svg>`;
  icons.set(slug, svg);
  return `/icons/integrations/${slug}.svg`;
}

/** The SVG of a connector's icon, or undefined when no connector of this build has that slug. */
export function connectorIcon(slug: string): string | undefined {
  return icons.get(slug);
}
