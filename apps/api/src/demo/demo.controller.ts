import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import type { CommandContext } from '@pl/application';
import { RequireScopes } from '../platform/auth/require-scopes.decorator';
import { CommandCtx } from '../platform/command-context.decorator';
import { RateLimit } from '../platform/rate-limit/rate-limit';
import type { Infrastructure } from '../../../common/infrastructure';
import { AppCommand } from '../platform/app-command';
import { INFRA } from '../platform/tokens';

export class OpenListDto {
  @ApiProperty({ example: 'groceries', maxLength: 200 })
  @IsString() @Length(1, 200) title!: string;
}

export class AddItemDto {
  @ApiProperty({ example: 'milk', maxLength: 200 })
  @IsString() @Length(1, 200) item!: string;
}

/** The shape of the stack end to end: route -> command -> decider -> events -> store -> projection. */
@ApiTags('demo')
@Controller('demo/lists')
export class DemoController {
  constructor(
    private readonly commands: CommandBus,
    @Inject(INFRA) private readonly infra: Infrastructure,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Open a demo list (stack walkthrough)' })
  @RequireScopes('demo:write')
  @RateLimit({ perMinute: 30 })
  async open(@Body() body: OpenListDto, @CommandCtx() ctx: CommandContext) {
    return this.commands.execute(new AppCommand('demo', 'open', [{ title: body.title }, ctx]));
  }

  @Post(':id/items')
  @ApiOperation({ summary: 'Add an item to a demo list' })
  @HttpCode(201)
  @RequireScopes('demo:write')
  async add(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: AddItemDto, @CommandCtx() ctx: CommandContext) {
    return this.commands.execute(new AppCommand('demo', 'addItem', [id, { item: body.item }, ctx]));
  }

  @Post(':id/close')
  @ApiOperation({ summary: 'Close a demo list' })
  @HttpCode(200)
  @RequireScopes('demo:write')
  async close(@Param('id', new ParseUUIDPipe()) id: string, @CommandCtx() ctx: CommandContext) {
    return this.commands.execute(new AppCommand('demo', 'close', [id, ctx]));
  }

  /** Event counts per type, from the event_counts projection. */
  @Get('/stats')
  @ApiOperation({ summary: 'Event counts of the demo lists (read model)' })
  @RequireScopes('demo:write')
  async stats() {
    return this.infra.app.demo.stats();
  }
}
