/**
 * The custom HTTP connection's config: where the API is, how it authenticates, and the listings
 * (entities) to sync, each with where its records are in the body, their id and the API's
 * pagination. What the schema cannot say (fields needed together, unique names, paths on the API's
 * host) is checked by config-checks.ts. Secrets are top-level fields: the vault seals those only.
 */
import type { ConfigOf, ConfigSchema } from '../sdk.js';

export const AUTH_TYPES = ['none', 'bearer', 'api_key', 'basic'] as const;
export const KEY_LOCATIONS = ['header', 'query'] as const;
export const PAGINATION_STYLES = ['none', 'link', 'cursor', 'page', 'offset'] as const;
export const MAX_ENTITIES = 20;

/** A dotted path into a JSON object (`data.items`, `attributes.serial`): names joined by dots. */
const DOTTED = '^[^.]+(\\.[^.]+)*$';
const DOTTED_OR_EMPTY = '^([^.]+(\\.[^.]+)*)?$';
/** An HTTP header name (RFC 9110 token). */
export const HEADER_NAME = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";

const paginationSchema = {
  type: 'object',
  title: 'Pagination',
  description: 'How the API pages this listing; each style reads only its own parameters.',
  additionalProperties: false,
  default: {},
  properties: {
    style: {
      type: 'string',
      title: 'Style',
      description:
        'none: one request. link: the next page is the Link header\'s rel="next" (RFC 8288). ' +
        'cursor: a cursor read from the body is sent back in a query parameter. page: page numbers. ' +
        'offset: item offsets.',
      enum: PAGINATION_STYLES,
      default: 'none',
    },
    page_size: {
      type: 'integer',
      title: 'Page size',
      description: 'Records asked for a page. page and offset: a shorter page is the last.',
      minimum: 1,
      maximum: 10_000,
      default: 100,
    },
    size_param: {
      type: 'string',
      title: 'Page size parameter',
      description:
        'The query parameter carrying the page size. page: per_page and offset: limit when empty; ' +
        'link and cursor: sent only when set.',
      minLength: 1,
      maxLength: 100,
    },
    cursor_path: {
      type: 'string',
      title: 'Next cursor field',
      description:
        'cursor (required): the dotted path of the next cursor in the body, e.g. response_metadata.next_cursor; ' +
        'absent, null or empty on the last page.',
      pattern: DOTTED,
      maxLength: 200,
    },
    cursor_param: {
      type: 'string',
      title: 'Cursor parameter',
      description: 'cursor: the query parameter the next request sends the cursor in (cursor when empty).',
      minLength: 1,
      maxLength: 100,
    },
    page_param: {
      type: 'string',
      title: 'Page parameter',
      description: 'page: the query parameter carrying the page number (page when empty).',
      minLength: 1,
      maxLength: 100,
    },
    first_page: {
      type: 'integer',
      title: 'First page',
      description: 'page: the number of the first page (1 when empty).',
      minimum: 0,
    },
    offset_param: {
      type: 'string',
      title: 'Offset parameter',
      description: 'offset: the query parameter carrying the offset of the first item (offset when empty).',
      minLength: 1,
      maxLength: 100,
    },
  },
} as const;

const entitySchema = {
  type: 'object',
  title: 'Entity',
  required: ['name', 'path'],
  additionalProperties: false,
  properties: {
    name: {
      type: 'string',
      title: 'Name',
      description: 'The records are stored under this name: lower case letters, digits and _, unique.',
      pattern: '^[a-z][a-z0-9_]*$',
      maxLength: 64,
    },
    path: {
      type: 'string',
      title: 'Path',
      description:
        'The listing, relative to the base URL (e.g. /v1/users?status=active), or a URL on its host.',
      minLength: 1,
      maxLength: 2048,
    },
    records_path: {
      type: 'string',
      title: 'Records path',
      description:
        'The dotted path of the records in the body (e.g. data.items); empty when the body is the list.',
      pattern: DOTTED_OR_EMPTY,
      maxLength: 200,
      default: '',
    },
    id_field: {
      type: 'string',
      title: 'Id field',
      description:
        'The dotted path of each record’s id (a string or a number); records without one fail alone.',
      pattern: DOTTED,
      maxLength: 200,
      default: 'id',
    },
    pagination: paginationSchema,
    incremental: {
      type: 'object',
      title: 'Incremental sync',
      description:
        'After a first full listing, list only what changed: `param` is sent with the greatest `field` value seen so far.',
      required: ['param', 'field'],
      additionalProperties: false,
      properties: {
        param: {
          type: 'string',
          title: 'Query parameter',
          description: 'e.g. updated_since',
          minLength: 1,
          maxLength: 100,
        },
        field: {
          type: 'string',
          title: 'Record field',
          description: 'The dotted path of the value compared, e.g. updated_at (ISO 8601 times or numbers).',
          pattern: DOTTED,
          maxLength: 200,
        },
      },
    },
  },
} as const;

export const customHttpConfigSchema = {
  type: 'object',
  required: ['base_url', 'entities'],
  additionalProperties: false,
  properties: {
    base_url: {
      type: 'string',
      title: 'API base URL',
      description: 'Paths are resolved against it, e.g. https://api.example.com/v2/.',
      format: 'uri',
      maxLength: 2048,
    },
    auth_type: {
      type: 'string',
      title: 'Authentication',
      description:
        'none; bearer: Authorization: Bearer {token}; api_key: {api_key} in the header or query parameter {key_name}; ' +
        'basic: HTTP Basic with {username} and {password}.',
      enum: AUTH_TYPES,
      default: 'none',
    },
    token: {
      type: 'string',
      title: 'Bearer token',
      description: 'bearer: the token.',
      format: 'password',
      minLength: 1,
      maxLength: 4096,
    },
    api_key: {
      type: 'string',
      title: 'API key',
      description: 'api_key: the key.',
      format: 'password',
      minLength: 1,
      maxLength: 4096,
    },
    key_in: {
      type: 'string',
      title: 'Send the API key in',
      description: 'api_key: a request header, or a query parameter added to every request.',
      enum: KEY_LOCATIONS,
      default: 'header',
    },
    key_name: {
      type: 'string',
      title: 'API key header or parameter',
      description: 'api_key: the header (e.g. X-API-Key) or query parameter (e.g. api_key) name.',
      minLength: 1,
      maxLength: 100,
    },
    username: {
      type: 'string',
      title: 'Username',
      description: 'basic: the user name.',
      minLength: 1,
      maxLength: 255,
    },
    password: {
      type: 'string',
      title: 'Password',
      description: 'basic: the password.',
      format: 'password',
      maxLength: 4096,
    },
    headers: {
      type: 'object',
      title: 'Extra headers',
      description:
        'Sent with every request, e.g. an API version. Not for secrets: use the authentication fields.',
      propertyNames: { pattern: HEADER_NAME, maxLength: 100 },
      additionalProperties: { type: 'string', maxLength: 4096 },
      maxProperties: 20,
    },
    test_path: {
      type: 'string',
      title: 'Test path',
      description:
        'GET by the connection test: a light authenticated endpoint (e.g. /v1/me); the first entity’s path when empty.',
      minLength: 1,
      maxLength: 2048,
    },
    entities: {
      type: 'array',
      title: 'Entities',
      description: 'The listings to sync, each stored under its name.',
      minItems: 1,
      maxItems: MAX_ENTITIES,
      items: entitySchema,
    },
  },
} as const satisfies ConfigSchema;

/** A custom HTTP connection's config, as its schema describes it. */
export type CustomHttpConfig = ConfigOf<typeof customHttpConfigSchema>;
export type EntityConfig = CustomHttpConfig['entities'][number];
export type PaginationConfig = NonNullable<EntityConfig['pagination']>;
