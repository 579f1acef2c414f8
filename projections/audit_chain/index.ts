import type { ProjectionDefinition } from '@pl/application';
import { handleAuditChain } from './handler';
import { AUDIT_CHAIN_INDEXES, AUDIT_CHAIN_SCHEMA } from './schema';

/** The audit hash chain over the whole log (ARCHITECTURE invariant 9); signed heads live in `audit_signed_heads`. */
export const auditChainProjection: ProjectionDefinition = {
  name: 'audit_chain',
  // 2: subjects (the positions of the events naming each subject key), for subject histories
  // 3: subjects indexed by a hash of the key (equality look-ups only), no unique check: quicker rebuilds
  version: 3,
  schema: AUDIT_CHAIN_SCHEMA,
  indexes: AUDIT_CHAIN_INDEXES,
  handle: handleAuditChain,
};

export * from './queries';
export * from './verify';
export * from './export';
export * from './sign';
export * from './history';
export * from './freshness';
export * from './head-health';
