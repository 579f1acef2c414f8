import { ApiError, client, ok } from '../api';
import type { Answer } from './answer';

/** Screen 7 (Audit): the chain verified with its progress, the export, the signed head and the public key. */
export type VerifyReport = Answer<'/audit/verify', 'get'>;
export type PublicKey = Answer<'/audit/public-key', 'get'>;
export type VerifyLine =
  | { readonly type: 'progress'; readonly checked: number; readonly total: number }
  | { readonly type: 'report'; readonly report: VerifyReport }
  | { readonly type: 'error'; readonly message: string };

export interface ExportFilter {
  readonly user_id?: string;
  readonly subject_key?: string;
  readonly from?: string;
  readonly to?: string;
}

async function refusal(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => null)) as { message?: unknown } | null;
  return new ApiError(res.status, typeof body?.message === 'string' ? body.message : res.statusText);
}

export const audit = {
  publicKey: () => ok(client.GET('/audit/public-key')),
  head: () => ok(client.GET('/audit/head')),

  /** GET /audit/verify/progress: calls `onLine` with each NDJSON line as it arrives; resolves with the report. */
  async verify(onLine: (line: VerifyLine) => void): Promise<VerifyReport> {
    const res = await fetch('/audit/verify/progress', { credentials: 'same-origin', headers: { accept: 'application/x-ndjson' } });
    if (!res.ok || !res.body) throw await refusal(res);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = '';
    let report: VerifyReport | null = null;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += value;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const text of lines) {
        if (!text) continue;
        const line = JSON.parse(text) as VerifyLine;
        onLine(line);
        if (line.type === 'report') report = line.report;
        if (line.type === 'error') throw new ApiError(500, line.message);
      }
    }
    if (!report) throw new ApiError(502, 'the verification ended without a report');
    return report;
  },

  /**
   * GET /audit/export as a file: the NDJSON is fetched (a refusal shows its reason) and handed to the
   * browser as a download. It is held in memory first: export a subject or a time range, not a whole large log.
   */
  async export(filter: ExportFilter): Promise<{ name: string; lines: number }> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(filter)) if (v) q.set(k, v);
    const res = await fetch(`/audit/export${q.size ? `?${q}` : ''}`, { credentials: 'same-origin', headers: { accept: 'application/x-ndjson' } });
    if (!res.ok) throw await refusal(res);
    const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'audit-export.ndjson';
    const blob = await res.blob();
    const lines = (await blob.text()).split('\n').filter(Boolean).length;
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    return { name, lines };
  },
};

/** SHA-256 of the key's DER (SubjectPublicKeyInfo) bytes, hex in pairs: compare with `openssl pkey -pubin -outform DER | sha256sum`. */
export async function fingerprint(pem: string): Promise<string | null> {
  if (!globalThis.crypto?.subtle) return null; // not a secure context (plain HTTP to a non-local host)
  const der = Uint8Array.from(atob(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '')), (c) => c.charCodeAt(0));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', der));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join(':');
}
