const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

const formatter = (timeZone: string) =>
  new Intl.DateTimeFormat(undefined, { timeZone, year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });

/** An instant in the viewer's own time zone. */
export function inViewerZone(iso: string): string {
  return formatter(viewerZone).format(new Date(iso));
}

/** An instant in the viewer's zone and, beside it, in the zone whose calendar the legal deadline counts in. */
export function deadline(iso: string, legalZone: string | null): { viewer: string; legal: string | null } {
  const viewer = inViewerZone(iso);
  if (!legalZone || legalZone === viewerZone) return { viewer, legal: null };
  return { viewer, legal: `${formatter(legalZone).format(new Date(iso))} (${legalZone})` };
}

export const label = (code: string): string => code.replace(/_/g, ' ');
