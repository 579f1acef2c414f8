import { RequestMethod, type Type } from '@nestjs/common';
import { INTERCEPTORS_METADATA, METHOD_METADATA, MODULE_METADATA } from '@nestjs/common/constants';

const READS: ReadonlySet<RequestMethod> = new Set([RequestMethod.GET, RequestMethod.HEAD, RequestMethod.OPTIONS]);

/**
 * Binds `interceptor` (the Idempotency-Key one) to every command route of the modules' controllers,
 * as `@UseInterceptors` on each handler would, and to no read. A global interceptor (APP_INTERCEPTOR)
 * puts Nest's rxjs pipeline on every request: it cost GET /consent/validate, the hot path, a quarter
 * of its throughput (docs/benchmarks.md, "Session 9"). Called before Nest scans the modules; binding
 * twice binds once.
 */
export function bindToCommandRoutes(modules: readonly Type[], interceptor: Type): void {
  for (const m of modules) {
    for (const controller of (Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, m) ?? []) as Type[]) {
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler: unknown = name === 'constructor' ? undefined : Object.getOwnPropertyDescriptor(controller.prototype, name)?.value;
        if (typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined || READS.has(method)) continue;
        const bound = (Reflect.getMetadata(INTERCEPTORS_METADATA, handler) ?? []) as unknown[];
        if (!bound.includes(interceptor)) Reflect.defineMetadata(INTERCEPTORS_METADATA, [...bound, interceptor], handler);
      }
    }
  }
}
