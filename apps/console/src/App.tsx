import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect } from 'react';
import { Link, Route, Switch, useLocation } from 'wouter';
import { api, ApiError } from './api';
import { SessionContext, sessionInfo } from './session';
import { RequestPage } from './screens/RequestPage';
import { Requests } from './screens/Requests';
import { SignIn } from './screens/SignIn';
import { Today } from './screens/Today';
const Consent = lazy(() => import('./screens/Consent').then((m) => ({ default: m.Consent })));

const DataMap = lazy(() => import('./screens/DataMap'));
const Ropa = lazy(() => import('./screens/Ropa'));

const Breaches = lazy(() => import('./screens/Breaches').then((m) => ({ default: m.Breaches })));
const BreachPage = lazy(() => import('./screens/Breaches').then((m) => ({ default: m.BreachPage })));
const Audit = lazy(() => import('./screens/Audit').then((m) => ({ default: m.Audit })));
const loading = <p className="loading">Loading…</p>;

export function App() {
  const client = useQueryClient();
  const session = useQuery({ queryKey: ['session'], queryFn: api.session.current, staleTime: 60_000 });
  const signOut = useMutation({
    mutationFn: api.session.signOut,
    onSettled: () => {
      client.clear();
      void client.invalidateQueries({ queryKey: ['session'] });
    },
  });
  if (session.isPending) return <p className="loading">Loading…</p>;
  if (session.error) {
    if (session.error instanceof ApiError && session.error.status === 401) return <SignIn />;
    return <p role="alert">The API could not be reached: {session.error.message}</p>;
  }
  return (
    <SessionContext.Provider value={sessionInfo(session.data)}>
      <header className="top">
        <span className="brand">privacy-ledger</span>
        <nav aria-label="Screens">
          <NavLink href="/">Today</NavLink>
          <NavLink href="/requests">Requests</NavLink>
          <NavLink href="/datamap">Data map</NavLink>
          <NavLink href="/ropa">Records of processing</NavLink>
          <NavLink href="/consent">Consent</NavLink>
          <NavLink href="/breaches">Breaches</NavLink>
          <NavLink href="/audit">Audit</NavLink>
        </nav>
        <span className="who">
          Scopes: {session.data.scopes.join(', ')}
          <button type="button" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main">
        <Switch>
          <Route path="/" component={Today} />
          <Route path="/requests" component={Requests} />
          <Route path="/requests/:id">{(p) => <RequestPage id={p.id} />}</Route>
          <Route path="/datamap"><Suspense fallback={<p className="loading">Loading…</p>}><DataMap /></Suspense></Route>
          <Route path="/ropa"><Suspense fallback={<p className="loading">Loading…</p>}><Ropa /></Suspense></Route>
          <Route path="/consent"><Suspense fallback={<p className="loading">Loading…</p>}><Consent /></Suspense></Route>
          <Route path="/breaches">{() => <Suspense fallback={loading}><Breaches /></Suspense>}</Route>
          <Route path="/breaches/:id">{(p) => <Suspense fallback={loading}><BreachPage id={p.id} /></Suspense>}</Route>
          <Route path="/audit">{() => <Suspense fallback={loading}><Audit /></Suspense>}</Route>
          <Route>
            <NotFound />
          </Route>
        </Switch>
      </main>
    </SessionContext.Provider>
  );
}

function NavLink({ href, children }: { href: string; children: string }) {
  const [location] = useLocation();
  const current = href === '/' ? location === '/' : location.startsWith(href);
  return (
    <Link href={href} aria-current={current ? 'page' : undefined}>
      {children}
    </Link>
  );
}

function NotFound() {
  useEffect(() => void (document.title = 'Not found · privacy-ledger'), []);
  return (
    <>
      <h1>Not found</h1>
      <p>
        This screen does not exist (yet). <Link href="/">Back to Today</Link>
      </p>
    </>
  );
}
