import { useLocation, useSearch } from 'wouter';
import { inViewerZone } from '../time';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** An instant as a datetime-local value in the viewer's zone (seconds kept). */
export function toLocalInput(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A datetime-local value (the viewer's zone) as an instant, or undefined when incomplete. */
export function fromLocalInput(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** The screen's date from the URL (`?as_of=<ISO>`; absent: now), and a way to change it that keeps the other parameters. */
export function useAsOf(path: string): { asOf: string | undefined; params: URLSearchParams; setParam: (key: string, value: string | undefined) => void } {
  const search = useSearch();
  const [, navigate] = useLocation();
  const params = new URLSearchParams(search);
  const raw = params.get('as_of') ?? undefined;
  const asOf = raw && !Number.isNaN(Date.parse(raw)) ? new Date(raw).toISOString() : undefined;
  const setParam = (key: string, value: string | undefined) => {
    const next = new URLSearchParams(search);
    if (value) next.set(key, value);
    else next.delete(key);
    navigate(`${path}${next.toString() ? `?${next}` : ''}`);
  };
  return { asOf, params, setParam };
}

/**
 * The date picker of the catalog screens: a date and time in the viewer's zone (to the second, so a
 * change made a moment ago can be stepped over), UTC beside it, and "Now" to go back to the present.
 */
export function AsOfPicker({ id, asOf, onChange }: { id: string; asOf: string | undefined; onChange: (iso: string | undefined) => void }) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return (
    <div className="as-of">
      <span className="field">
        <label htmlFor={id}>As of (your time zone, {zone})</label>
        <input
          id={id}
          type="datetime-local"
          step={1}
          max={toLocalInput(new Date().toISOString())}
          value={asOf ? toLocalInput(asOf) : ''}
          aria-describedby={`${id}-help`}
          onChange={(e) => {
            const iso = fromLocalInput(e.target.value);
            if (iso || e.target.value === '') onChange(iso);
          }}
        />
      </span>
      <button type="button" onClick={() => onChange(undefined)} disabled={!asOf}>
        Now
      </button>
      <p id={`${id}-help`} className="help">
        {asOf ? (
          <>
            The catalog as it stood at {inViewerZone(asOf)} <span className="legal">({asOf.replace(/\.000Z$/, 'Z')} UTC, the log's time)</span>, transfers assessed with the law in force then.
          </>
        ) : (
          <>The catalog as it stands now. Pick a past date to see it as it stood then.</>
        )}
      </p>
    </div>
  );
}

export function NoCatalogScope({ title }: { title: string }) {
  return (
    <>
      <h1>{title}</h1>
      <p>Your scopes do not include catalog:read, which the catalog routes need.</p>
    </>
  );
}
