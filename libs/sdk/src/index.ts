export * from './contract';
export * from './subject';
export * from './local-consent';
export * from './remote-consent';
export * from './tasks';
export * from './receipts';
export * from './webhook-verify';
export * from './retry';
export * from './declared-bases';

import { LocalConsentClient, type LocalConsentOptions } from './local-consent';
import { RemoteConsentClient, type RemoteConsentOptions } from './remote-consent';

/** `ConsentClient.local(...)` (Kafka-fed cache, in-process checks) or `ConsentClient.remote(...)` (HTTP validate). */
export const ConsentClient = {
  local: (options: LocalConsentOptions) => new LocalConsentClient(options),
  remote: (options: RemoteConsentOptions) => new RemoteConsentClient(options),
};
