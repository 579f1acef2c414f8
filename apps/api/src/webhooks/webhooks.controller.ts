import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { SecretBox, WEBHOOK_SCHEMA, deactivateEndpoint, listDeliveries, listEndpoints, registerEndpoint, retryDeadDeliveries } from '@pl/messaging';
import type { Infrastructure } from '../../../common/infrastructure';
import { RequireScopes } from '../platform/auth/require-scopes.decorator';
import { INFRA } from '../platform/tokens';
import { DeliveriesQuery, RegisterEndpointDto, RetryDeliveriesDto } from './webhooks.dto';

/** Webhook endpoints of services without Kafka, and the delivery log per event and service. */
@ApiTags('webhooks')
@Controller('webhooks')
@RequireScopes('webhooks:manage')
export class WebhooksController {
  private readonly box: SecretBox;
  private schemaReady: Promise<void> | null = null;

  constructor(@Inject(INFRA) private readonly infra: Infrastructure) {
    this.box = new SecretBox(infra.config.masterKey);
  }

  private ready(): Promise<void> {
    this.schemaReady ??= this.infra.db.exec(WEBHOOK_SCHEMA).catch((e) => {
      this.schemaReady = null;
      throw e;
    });
    return this.schemaReady;
  }

  /** Registers or re-registers (rotating the secret; the replaced one signs too for WEBHOOK_SECRET_OVERLAP_HOURS). The signing secret is in this response only. */
  @Post('endpoints')
  @ApiOperation({
    summary: 'Register a webhook endpoint of a downstream service (GDPR Art. 19 propagation)',
    description: 'A URL reaching loopback, link-local, private, CGNAT or reserved addresses (directly or through DNS) gets 400 unless OUTBOUND_ALLOWED_PRIVATE_NETWORKS allows it.',
  })
  @HttpCode(201)
  async register(@Body() dto: RegisterEndpointDto) {
    await this.ready();
    return registerEndpoint(this.infra.db, this.box, { service: dto.service, url: dto.url, topics: dto.topics, systemId: dto.system_id ?? null }, this.infra.outbound, {
      overlapHours: this.infra.config.webhookSecretOverlapHours,
    });
  }

  @Get('endpoints')
  @ApiOperation({ summary: 'List webhook endpoints' })
  async endpoints() {
    await this.ready();
    return { endpoints: await listEndpoints(this.infra.db) };
  }

  @Delete('endpoints/:service')
  @ApiOperation({ summary: 'Deactivate the webhook endpoint of a service' })
  @ApiParam({ name: 'service', example: 'crm' })
  @HttpCode(204)
  async deactivate(@Param('service') service: string) {
    await this.ready();
    await deactivateEndpoint(this.infra.db, service);
  }

  @Get('deliveries')
  @ApiOperation({ summary: 'List webhook deliveries' })
  async deliveries(@Query() q: DeliveriesQuery) {
    await this.ready();
    return { deliveries: await listDeliveries(this.infra.db, { service: q.service, eventId: q.event_id, status: q.status, limit: q.limit }) };
  }

  /** Queues dead-lettered deliveries again (all, one service's, or the given ids). */
  @Post('deliveries/retry')
  @ApiOperation({ summary: 'Retry dead webhook deliveries' })
  @HttpCode(200)
  async retry(@Body() dto: RetryDeliveriesDto) {
    await this.ready();
    return { requeued: await retryDeadDeliveries(this.infra.db, { service: dto.service, ids: dto.delivery_ids }) };
  }
}
