import { client, ok } from '../api';

/** How this console signs in: an OpenID Connect provider, an API key, or both (GET /auth/methods). */
export const authApi = {
  methods: () => ok(client.GET('/auth/methods')),
};

/** Where the provider's sign-in starts, coming back to the page the person is on (the server accepts only paths under /console). */
export function oidcLoginHref(loginUrl: string, location: Pick<Location, 'pathname' | 'search'>): string {
  const here = `${location.pathname}${location.search}`;
  return here.startsWith('/console') ? `${loginUrl}?return_to=${encodeURIComponent(here)}` : loginUrl;
}
