import Type, { type TSchema } from 'typebox';

/** `{ "data": … }`: every successful JSON response. */
export const DataEnvelope = <T extends TSchema>(item: T) => Type.Object({ data: item });

export const Pagination = Type.Object({
  page: Type.Integer({ minimum: 1 }),
  per_page: Type.Integer({ minimum: 1 }),
  total: Type.Integer({ minimum: 0 }),
  total_pages: Type.Integer({ minimum: 0 }),
});

/** `{ "data": [...], "pagination": {…} }`: every list response. */
export const PagedEnvelope = <T extends TSchema>(item: T) =>
  Type.Object({ data: Type.Array(item), pagination: Pagination });

export const ErrorResponse = Type.Object(
  {
    error: Type.Object(
      {
        code: Type.String({ description: 'Stable machine-readable code, e.g. VALIDATION_ERROR' }),
        message: Type.String(),
        details: Type.Optional(Type.Object({}, { additionalProperties: true })),
        request_id: Type.String(),
      },
      { additionalProperties: true },
    ),
  },
  { $id: 'ErrorResponse', description: 'The error envelope every failure answers with' },
);

/** Declares error statuses a route can answer, for validation-free serialisation and the OpenAPI document. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, Type.Ref('ErrorResponse')]));
}

export interface PageQuery {
  page: number;
  per_page: number;
}

/** `page` and `per_page` query parameters with a route's own default and maximum page size. */
export function pageQuery(options: { defaultPerPage?: number; maxPerPage?: number } = {}) {
  const { defaultPerPage = 20, maxPerPage = 100 } = options;
  return {
    page: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1, description: 'Page number, from 1' }),
    per_page: Type.Integer({
      minimum: 1,
      maximum: maxPerPage,
      default: defaultPerPage,
      description: `Items per page (max ${maxPerPage})`,
    }),
  };
}

export type SortOrder = 'asc' | 'desc';

/** `sort` and `order` query parameters; `sort` must be one of the route's allow-list. */
export function sortQuery<const F extends string>(
  fields: readonly F[],
  defaults: { sort: F; order: SortOrder },
) {
  return {
    sort: Type.Enum([...fields], { default: defaults.sort, description: `One of: ${fields.join(', ')}` }),
    order: Type.Enum(['asc', 'desc'], { default: defaults.order }),
  };
}

/** SQL window for a page. */
export function pageWindow(q: PageQuery): { limit: number; offset: number } {
  return { limit: q.per_page, offset: (q.page - 1) * q.per_page };
}

export function paged<T>(items: T[], q: PageQuery, total: number) {
  return {
    data: items,
    pagination: { page: q.page, per_page: q.per_page, total, total_pages: Math.ceil(total / q.per_page) },
  };
}

/** A field that may be null. */
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

/** An ISO 8601 timestamp, or null when the moment has not come. */
export const NullableTimestamp = Nullable(Type.String());

/** An object of any shape (configs, details), described for the OpenAPI document. */
export const FreeObject = (description: string) =>
  Type.Record(Type.String(), Type.Unknown(), { description });
