import { SecretBox, WEBHOOK_SCHEMA, listDeliveries, listEndpoints, registerEndpoint, retryDeadDeliveries, type DeliveryStatus } from '@pl/messaging';
import type { Infrastructure } from '../../../common/infrastructure';
import { action, defineCommand } from '../command';

// The HTTP routes' DTOs, loaded when a value is checked (the module loads @nestjs/swagger: seconds at start).
const dtos = () => require('../../../api/src/webhooks/webhooks.dto') as typeof import('../../../api/src/webhooks/webhooks.dto');

async function webhookDb(infra: Infrastructure | null) {
  await infra!.db.exec(WEBHOOK_SCHEMA);
  return infra!.db;
}

/** The routes under /webhooks from the command line: the same DTOs check the values, the same functions do the work. */
export const webhooksCommand = defineCommand({
  name: 'webhooks',
  summary: 'register webhook endpoints, inspect deliveries, retry dead letters',
  subcommands: {
    register: action({
      summary: 'register (or re-register, rotating its secret) the endpoint of a service; prints the signing secret once',
      options: {
        service: { type: 'string', value: 'name', required: true, description: 'the receiving service' },
        url: { type: 'string', required: true, description: 'its endpoint (internal addresses need OUTBOUND_ALLOWED_PRIVATE_NETWORKS)' },
        topics: { type: 'string', value: 'topic', multiple: true, required: true, description: 'the topics it receives' },
        'system-id': { type: 'string', value: 'id', description: 'limit rights tasks to this catalog system' },
      },
      validate: () => dtos().RegisterEndpointDto,
      json: true,
      needsInfra: true,
      async run({ values }, _io, infra) {
        const db = await webhookDb(infra);
        const input = { service: values.service!, url: values.url!, topics: values.topics!, systemId: values['system-id'] ?? null };
        const ep = await registerEndpoint(db, new SecretBox(infra!.config.masterKey), input, infra!.outbound, { overlapHours: infra!.config.webhookSecretOverlapHours });
        return {
          json: ep,
          text: [
            `registered ${ep.service} -> ${ep.url} (${ep.topics.join(', ')})`,
            'signing secret (shown only now; store it in the service):',
            ep.secret,
            ...(ep.previous_secret_valid_until ? [`the replaced secret keeps signing too until ${ep.previous_secret_valid_until}`] : []),
          ],
        };
      },
    }),
    list: action({
      summary: 'every endpoint: service, active, url, topics, system',
      json: true,
      needsInfra: true,
      async run(_input, _io, infra) {
        const endpoints = await listEndpoints(await webhookDb(infra));
        return { json: { endpoints }, text: endpoints.map((e) => `${e.service}  ${e.active ? 'active ' : 'inactive'}  ${e.url}  ${e.topics.join(',')}${e.system_id ? `  system=${e.system_id}` : ''}`) };
      },
    }),
    deliveries: action({
      summary: 'the delivery log, newest first',
      options: {
        service: { type: 'string', value: 'name', description: 'of this service' },
        'event-id': { type: 'string', value: 'id', description: 'of this event' },
        status: { type: 'string', description: 'in this state' },
        limit: { type: 'string', value: 'n', description: 'at most this many (default 50)' },
      },
      validate: () => dtos().DeliveriesQuery,
      json: true,
      needsInfra: true,
      async run({ values }, _io, infra) {
        const deliveries = await listDeliveries(await webhookDb(infra), {
          service: values.service,
          eventId: values['event-id'],
          status: values.status as DeliveryStatus | undefined,
          limit: values.limit ? Number(values.limit) : 50,
        });
        return {
          json: { deliveries },
          text: [
            ...deliveries.map((d) => `${d.id}  ${d.status.padEnd(9)}  ${d.service}  ${d.event_type}  event=${d.event_id}  attempts=${d.attempts}${d.last_error ? `  last_error=${d.last_error}` : ''}`),
            `${deliveries.length} deliveries`,
          ],
        };
      },
    }),
    retry: action({
      summary: 'queue dead-lettered deliveries again (all, one service\'s, or the given ids)',
      options: {
        service: { type: 'string', value: 'name', description: 'of this service only' },
        ids: { type: 'string', value: 'delivery-id', multiple: true, field: 'delivery_ids', description: 'these deliveries only' },
      },
      validate: () => dtos().RetryDeliveriesDto,
      json: true,
      needsInfra: true,
      async run({ values }, _io, infra) {
        const requeued = await retryDeadDeliveries(await webhookDb(infra), { service: values.service, ids: values.ids });
        return { json: { requeued }, text: [`${requeued} dead-lettered deliveries queued again`] };
      },
    }),
  },
});
