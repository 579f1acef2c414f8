import type { Dispatch, FormEvent, ReactNode, SetStateAction } from 'react';

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
