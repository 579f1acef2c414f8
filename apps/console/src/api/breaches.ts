import { client, ok } from '../api';
import type { Answer, Body } from './answer';

/** Screen 6 (Breaches): the register a page at a time, one breach, its drafts, and the breach commands. */
export type BreachPage = Answer<'/breaches', 'get'>;
export type Breach = Answer<'/breaches/{id}', 'get'>;
export type BreachDrafts = Exclude<Answer<'/breaches/{id}/drafts', 'get'>, string>;
export type AssessBody = Body<'/breaches/{id}/assessment', 'post'>;
export type NotifyAuthorityBody = Body<'/breaches/{id}/authority-notifications', 'post'>;
export type NotifySubjectsBody = Body<'/breaches/{id}/subject-notifications', 'post'>;
export type ExemptionBody = Body<'/breaches/{id}/subject-exemption', 'post'>;

const byId = (id: string) => ({ params: { path: { id } } });

export const breaches = {
  list: (status: 'open' | 'closed' | undefined, after: string | null, limit: number) =>
    ok(client.GET('/breaches', { params: { query: { status, after: after ?? undefined, limit } } })),
  get: (id: string) => ok(client.GET('/breaches/{id}', byId(id))),
  drafts: (id: string) => ok(client.GET('/breaches/{id}/drafts', byId(id))) as Promise<BreachDrafts>,
  assess: (id: string, body: AssessBody) => ok(client.POST('/breaches/{id}/assessment', { ...byId(id), body })),
  notifyAuthority: (id: string, body: NotifyAuthorityBody) => ok(client.POST('/breaches/{id}/authority-notifications', { ...byId(id), body })),
  notifySubjects: (id: string, body: NotifySubjectsBody) => ok(client.POST('/breaches/{id}/subject-notifications', { ...byId(id), body })),
  exemption: (id: string, body: ExemptionBody) => ok(client.POST('/breaches/{id}/subject-exemption', { ...byId(id), body })),
  attorneyGeneral: (id: string, reference: string | undefined) => ok(client.POST('/breaches/{id}/attorney-general-notification', { ...byId(id), body: { reference } })),
  close: (id: string, summary: string) => ok(client.POST('/breaches/{id}/close', { ...byId(id), body: { summary } })),
  reopen: (id: string, reason: string) => ok(client.POST('/breaches/{id}/reopen', { ...byId(id), body: { reason } })),
};
