import { createContext, useContext } from 'react';
import type { SessionView } from './types';

export interface SessionInfo {
  readonly session: SessionView;
  /** What the session's scopes allow (`admin` implies every scope), as the API decides it. */
  readonly can: (scope: string) => boolean;
}

export const SessionContext = createContext<SessionInfo | null>(null);

export function useSession(): SessionInfo {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in console');
  return s;
}

export function sessionInfo(session: SessionView): SessionInfo {
  const scopes = new Set(session.scopes);
  return { session, can: (scope) => scopes.has('admin') || scopes.has(scope) };
}
