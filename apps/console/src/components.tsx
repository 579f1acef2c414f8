import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type Dispatch, type FormEvent, type ReactNode, type SetStateAction } from 'react';

/** One command as a form: its fields, and a submit button named like the action (keyboard: Tab to it, Enter). */
export function Action({ title, onSubmit, busy, children }: { title: string; onSubmit: (e: FormEvent) => void; busy: boolean; children: ReactNode }) {
  return (
    <form className="action" onSubmit={onSubmit}>
      <fieldset>
        <legend>{title}</legend>
        {children}
        <button type="submit" disabled={busy}>{title}</button>
      </fieldset>
    </form>
  );
}

/**
 * A page's Actions section: the heading, the status line saying what the last command recorded, its
 * refusal as an alert, then the command forms (`children`). `commands` is the page's `useCommands`.
 */
export function ActionsSection({ commands: { act, done }, children }: { commands: Pick<ReturnType<typeof useCommands>, 'act' | 'done'>; children: ReactNode }) {
  return (
    <section aria-labelledby="actions">
      <h2 id="actions">Actions</h2>
      <div role="status" className="status">{done && `${done}: recorded.`}</div>
      {act.error && <p role="alert" className="error">{act.error.message}</p>}
      <div className="actions">{children}</div>
    </section>
  );
}

/**
 * Keyset pages of a list route: `cursors` holds the cursor of each page opened so far (null for the
 * first); `next` is the route's cursor after the page shown, null on the last page.
 */
export function Pager({ cursors, setCursors, next }: { cursors: readonly (string | null)[]; setCursors: Dispatch<SetStateAction<(string | null)[]>>; next: string | null | undefined }) {
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" disabled={cursors.length === 1} onClick={() => setCursors((c) => c.slice(0, -1))}>Previous page</button>
      <span>Page {cursors.length}</span>
      <button type="button" disabled={!next} onClick={() => next && setCursors((c) => [...c, next])}>Next page</button>
    </nav>
  );
}

/**
 * The commands of one page: `run(what, call)` is a form's submit handler that sends the command, then
 * says `what` was recorded (`done`) and refetches the queries under `queryKey`; `act` is its pending
 * and error state.
 */
export function useCommands(queryKey: string) {
  const client = useQueryClient();
  const [done, setDone] = useState<string | null>(null);
  const act = useMutation({
    mutationFn: (run: () => Promise<unknown>) => run(),
    onSuccess: () => void client.invalidateQueries({ queryKey: [queryKey] }),
  });
  const run = (what: string, call: () => Promise<unknown>) => (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    act.mutate(call, { onSuccess: () => setDone(what) });
  };
  return { act, done, run };
}
