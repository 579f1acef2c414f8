import { Module } from '@nestjs/common';
import type { Infrastructure } from '../../../common/infrastructure';
import { INFRA } from '../platform/tokens';
import { OidcSignIn } from './oidc';
import { OIDC, OidcController } from './oidc.controller';
import { SessionController } from './session.controller';

/** The console's server side: sign-in sessions (an API key, or OpenID Connect when OIDC_ISSUER is set). Its files are served by console-static.ts. */
@Module({
  controllers: [SessionController, OidcController],
  providers: [{ provide: OIDC, useFactory: (infra: Infrastructure) => (infra.config.oidc ? new OidcSignIn(infra.config.oidc) : null), inject: [INFRA] }],
})
export class ConsoleModule {}
