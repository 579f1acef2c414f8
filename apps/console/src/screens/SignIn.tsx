import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api';

/** Sign-in with an admin-issued API key: exchanged once for a session cookie, then forgotten. */
export function SignIn() {
  const client = useQueryClient();
  const [key, setKey] = useState('');
  useEffect(() => void (document.title = 'Sign in · privacy-ledger'), []);
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
    <main id="main" className="sign-in">
      <h1>Sign in to the privacy-ledger console</h1>
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
    </main>
  );
}
