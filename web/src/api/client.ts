import { ApiError, envelopeOf } from './errors';

export const API_BASE = '/api/v1';

/** Where the client gets its bearer token, and how it renews it after a 401. */
export interface TokenSource {
  accessToken(): string | null;
  /** Renews the access token; false when the session is over. */
  refresh(): Promise<boolean>;
}

export type QueryValue = string | number | boolean | null | undefined;
export type Query = Record<string, QueryValue>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  /** false for the auth endpoints themselves: no bearer token, no refresh on a 401. */
  auth?: boolean;
}

export interface ApiClientOptions {
  baseUrl?: string;
  fetch?: typeof fetch;
  tokens?: TokenSource;
}

/** The API's calls over fetch: JSON in and out, the error envelope thrown as an ApiError. */
export class ApiClient {
  readonly #baseUrl: string;
  readonly #fetch: typeof fetch;
  #tokens: TokenSource | undefined;

  constructor(options: ApiClientOptions = {}) {
    this.#baseUrl = options.baseUrl ?? API_BASE;
    // Bound, so the browser's fetch is not called with another `this`.
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#tokens = options.tokens;
  }

  setTokens(tokens: TokenSource): void {
    this.#tokens = tokens;
  }

  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path, { query, signal });
  }

  post<T>(path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, body: body ?? {} });
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body });
  }

  delete(path: string): Promise<void> {
    return this.request<void>('DELETE', path);
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const useAuth = options.auth !== false;
    const token = useAuth ? (this.#tokens?.accessToken() ?? null) : null;
    let response = await this.#send(method, path, options, token);
    // An expired token is renewed once and the call repeated; a second 401 is the answer.
    if (response.status === 401 && useAuth && token !== null && this.#tokens) {
      if (await this.#tokens.refresh()) {
        response = await this.#send(method, path, options, this.#tokens.accessToken());
      }
    }
    return read<T>(response);
  }

  async #send(method: string, path: string, options: RequestOptions, token: string | null) {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    try {
      return await this.#fetch(this.#baseUrl + path + queryString(options.query), {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        credentials: 'same-origin',
        signal: options.signal,
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error;
      throw new ApiError(
        0,
        'NETWORK_ERROR',
        'Switchboard could not be reached. Check your connection, or whether the server is running, and try again.',
      );
    }
  }
}

export function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

async function read<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (response.ok) {
    if (body === undefined) throw unexpected(response.status);
    return body as T;
  }
  throw envelopeOf(response.status, body) ?? unexpected(response.status);
}

function unexpected(status: number): ApiError {
  return new ApiError(
    status,
    `HTTP_${status}`,
    status >= 500
      ? `The server failed to answer (HTTP ${status}). Try again in a moment.`
      : `The server gave an unexpected answer (HTTP ${status}).`,
  );
}
