import { GPC_RULE } from '@pl/domain/law/consent';

/** The `gpc` part of an answer: what was done with the signal (11 CCR § 7025). */
export const gpcAnswer = (received: boolean) =>
  received ? { signal_received: true, honored: true, opt_outs: GPC_RULE.opts_out_of, status: GPC_RULE.honoured_message, source: GPC_RULE.source } : { signal_received: false, honored: false };

/** `Sec-GPC: 1` among request headers (names lower-cased, as Node gives them). */
export function gpcReceived(headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  const v = headers[GPC_RULE.header];
  return (Array.isArray(v) ? v[0] : v)?.trim() === '1';
}
