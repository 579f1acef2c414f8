import { SecretBox, WEBHOOK_SCHEMA, WEBHOOK_TOPICS, listDeliveries, listEndpoints, registerEndpoint, retryDeadDeliveries, type DeliveryStatus } from '@pl/messaging';
import { parseArgs, type CliCommand } from '../command';

export const webhooksCommand: CliCommand = {
  name: 'webhooks',
  summary: 'register webhook endpoints, inspect deliveries, retry dead letters',
  usage:
    'webhooks register --service <name> --url <url> --topics <topic,topic> [--system-id <id>] | webhooks list | ' +
    'webhooks deliveries [--service <name>] [--event-id <id>] [--status pending|delivered|dead] [--limit n] | webhooks retry [--service <name>] [--ids <id,id>]',
  needsInfra: true,
  async run(args, io, infra) {
    const { positional, flags } = parseArgs(args);
    const db = infra!.db;
    await db.exec(WEBHOOK_SCHEMA);
    const str = (f: string) => (typeof flags[f] === 'string' ? (flags[f] as string) : undefined);
    switch (positional[0]) {
      case 'register': {
        const service = str('service');
        const url = str('url');
        const topics = (str('topics') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
        if (!service || !url || !topics.length) {
          io.err(`usage: ${this.usage}\ntopics: ${WEBHOOK_TOPICS.join(', ')}`);
          return 2;
        }
        try {
          const ep = await registerEndpoint(db, new SecretBox(infra!.config.masterKey), { service, url, topics, systemId: str('system-id') ?? null }, infra!.outbound, { overlapHours: infra!.config.webhookSecretOverlapHours });
          io.out(`registered ${ep.service} -> ${ep.url} (${ep.topics.join(', ')})`);
          io.out('signing secret (shown only now; store it in the service):');
          io.out(ep.secret);
          if (ep.previous_secret_valid_until) io.out(`the replaced secret keeps signing too until ${ep.previous_secret_valid_until}`);
          return 0;
        } catch (e) {
          io.err((e as Error).message);
          return 2;
        }
      }
      case 'list':
        for (const e of await listEndpoints(db)) io.out(`${e.service}  ${e.active ? 'active ' : 'inactive'}  ${e.url}  ${e.topics.join(',')}${e.system_id ? `  system=${e.system_id}` : ''}`);
        return 0;
      case 'deliveries': {
        const status = str('status') as DeliveryStatus | undefined;
        if (status && !['pending', 'delivered', 'dead'].includes(status)) {
          io.err('--status must be pending, delivered or dead');
          return 2;
        }
        const rows = await listDeliveries(db, { service: str('service'), eventId: str('event-id'), status, limit: str('limit') ? Number(str('limit')) : 50 });
        for (const d of rows) io.out(`${d.id}  ${d.status.padEnd(9)}  ${d.service}  ${d.event_type}  event=${d.event_id}  attempts=${d.attempts}${d.last_error ? `  last_error=${d.last_error}` : ''}`);
        io.out(`${rows.length} deliveries`);
        return 0;
      }
      case 'retry': {
        const ids = (str('ids') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
        if (ids.some((id) => !/^\d+$/.test(id))) {
          io.err('--ids takes delivery ids (numbers), comma-separated');
          return 2;
        }
        const n = await retryDeadDeliveries(db, { service: str('service'), ids });
        io.out(`${n} dead-lettered deliveries queued again`);
        return 0;
      }
      default:
        io.err(`usage: ${this.usage}`);
        return 2;
    }
  },
};
