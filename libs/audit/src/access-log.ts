import { eventMetadata, type CommandContext } from '@pl/application/commands/command-context';
import type { PersonalFieldsDeclaration } from '@pl/domain';
import type { AppendResult, EventStore } from '@pl/eventstore';

export const PERSONAL_DATA_ACCESSED = 'audit.personal_data_accessed';

/** An access record holds the pseudonymous subject key, short codes (what, purpose: checked at the edge) and ids: no personal field. */
export const AUDIT_PERSONAL_FIELDS: readonly PersonalFieldsDeclaration[] = [{ type: PERSONAL_DATA_ACCESSED, paths: [] }];

export interface PersonalDataAccess {
  /** The subject whose data was released (`sub_...`), or null for a release spanning many subjects (e.g. a full audit export). */
  readonly subjectKey: string | null;
  /** What was released, PII-free (e.g. `consent.history`, `rights.access_report`, `audit.export`). */
  readonly what: string;
  /** Why: the purpose or legal ground (e.g. `access_request`, `audit`, `support`). */
  readonly purpose: string;
  /** The data-subject request this release answers, when there is one. */
  readonly requestId?: string | null;
}

export const accessLogStream = (subjectKey: string | null): string => `access-log-${subjectKey ?? 'bulk'}`;

/**
 * Art. 5(2) accountability: every release of personal data through the API is itself an event in
 * the log (who = ctx.actor, when = ctx.now, under which request = correlation id / request id,
 * what and why). Appended with expected revision `any`: access records never conflict.
 */
export async function recordPersonalDataAccess(infra: { readonly store: EventStore }, ctx: CommandContext, access: PersonalDataAccess): Promise<AppendResult> {
  const recordedAt = new Date().toISOString();
  return infra.store.append(
    accessLogStream(access.subjectKey),
    [
      {
        type: PERSONAL_DATA_ACCESSED,
        schemaVersion: 1,
        data: {
          subject_key: access.subjectKey,
          what: access.what,
          purpose: access.purpose,
          request_id: access.requestId ?? null,
          accessed_at: ctx.now.toISOString(),
        },
        metadata: eventMetadata(ctx, recordedAt),
      },
    ],
    'any',
  );
}
