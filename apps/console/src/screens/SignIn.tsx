import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api';
import { authApi, oidcLoginHref } from '../api/auth';

/**
 * Sign-in: through the organisation's OpenID Connect provider when one is configured, with an
 * admin-issued API key otherwise (or both, as the server says: GET /auth/methods). A key is
 * exchanged once for a session cookie, then forgotten.
 */
export function SignIn() {
  useEffect(() => void (document.title = 'Sign in · privacy-ledger'), []);
  const methods = useQuery({ queryKey: ['auth-methods'], queryFn: authApi.methods, staleTime: Infinity, retry: 1 });
  if (methods.isPending) return <p className="loading">Loading…</p>;
  // the methods could not be read: offer the key form, which says itself when the server refuses it
  const oidc = methods.data?.oidc ?? null;
  const keyForm = methods.data ? methods.data.api_key : true;
  return (
    <main id="main" className="sign-in">
      <h1>Sign in to the privacy-ledger console</h1>
      {oidc && (
        <p>
          <a className="button" href={oidcLoginHref(oidc.login_url, window.location)}>
            Sign in with {oidc.provider_name}
          </a>
        </p>
      )}
      {oidc && keyForm && <p className="help">Or, with an API key:</p>}
      {keyForm && <KeyForm />}
    </main>
  );
}

function KeyForm() {
  const client = useQueryClient();
  const [key, setKey] = useState('');
  const signIn = useMutation({
    mutationFn: (k: string) => api.session.signIn(k),
    onSuccess: (s) => {
      setKey('');
      client.setQueryData(['session'], s);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    signIn.mutate(key.trim());
  };
  return (
    <form onSubmit={submit}>
      <label htmlFor="api-key">API key</label>
      <input id="api-key" name="api-key" type="password" autoComplete="off" required value={key} onChange={(e) => setKey(e.target.value)} aria-describedby="api-key-help" />
      <p id="api-key-help" className="help">
        A key issued by an administrator (<code>npm run cli -- keys create</code>). It is exchanged for a session and not kept in this browser.
      </p>
      <button type="submit" disabled={signIn.isPending || !key.trim()}>
        Sign in
      </button>
      {signIn.error && <p role="alert" className="error">{signIn.error.message}</p>}
    </form>
  );
}
