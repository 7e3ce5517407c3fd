import { paths } from '../../app/routes';

/** Where an OAuth provider sends the browser back: the connection's page (must be an allowed return origin). */
export function oauthReturnUrl(connectionId: string): string {
  return new URL(paths.connection(connectionId), window.location.origin).toString();
}

/** The outcome the OAuth callback appended to the return URL (`status`, `error`), in words. */
export function oauthOutcome(params: URLSearchParams): { ok: boolean; text: string } | undefined {
  const status = params.get('status');
  if (status === 'success')
    return { ok: true, text: 'The provider granted access: the connection has its token.' };
  if (status === 'error') {
    const error = params.get('error') ?? 'unknown_error';
    const words: Record<string, string> = {
      access_denied: 'Access was not granted at the provider.',
      token_exchange_failed:
        'The provider did not accept the authorization code. Check the client ID and secret.',
    };
    return {
      ok: false,
      text: `${words[error] ?? `The provider reported “${error}”.`} Try connecting again.`,
    };
  }
  return undefined;
}
