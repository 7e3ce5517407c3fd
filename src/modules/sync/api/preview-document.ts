import type { Connector } from '../../../connectors/sdk.js';

const PREVIEW_OPERATION = ['paths', '/api/v1/integration-connections/{id}/preview', 'get'];
const PREVIEW_FIELD = [
  'responses',
  '200',
  'content',
  'application/json',
  'schema',
  'properties',
  'data',
  'properties',
  'preview',
];

function objectAt(root: unknown, path: string[]): Record<string, unknown> | undefined {
  let value = root;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

/**
 * Writes each connector's preview schema into the OpenAPI document, where the route itself declares
 * a free object: its answers are serialized whole whatever the provider, and readers of the
 * document see every provider's shape, titled by `provider`.
 */
export function documentPreviews(document: object, connectors: readonly Connector[]): void {
  const field = objectAt(objectAt(document, PREVIEW_OPERATION), PREVIEW_FIELD);
  if (!field) return;
  const shapes = connectors.flatMap((c) =>
    typeof c.previewSchema === 'object' ? [{ title: c.definition.provider, ...c.previewSchema }] : [],
  );
  delete field.additionalProperties;
  delete field.type;
  delete field.patternProperties;
  field.oneOf = shapes;
}
