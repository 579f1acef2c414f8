import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { Scope } from './scopes';

export const SCOPES_KEY = 'pl:scopes';
export const PUBLIC_KEY = 'pl:public';

/** The caller's API key must carry at least one of these scopes (or `admin`). */
export const RequireScopes = (...scopes: Scope[]) => SetMetadata(SCOPES_KEY, scopes);

/** No API key needed (health, metrics, docs). */
export const Public = () => applyDecorators(SetMetadata(PUBLIC_KEY, true), ApiExtension('x-public', true));
