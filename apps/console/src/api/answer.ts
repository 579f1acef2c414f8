import type { paths } from './schema';

export type { paths };
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Json<R> = R extends { content: { 'application/json': infer J } } ? J : undefined;

/** What an operation answers on success (its JSON for 200/201/202, undefined for 204), from the OpenAPI document. */
export type Answer<P extends keyof paths, M extends Method> = paths[P][M] extends { responses: infer R }
  ? Json<R[Extract<keyof R, 200 | 201 | 202 | 204>]>
  : never;

/** The JSON body an operation takes, from the OpenAPI document. */
export type Body<P extends keyof paths, M extends Method> = paths[P][M] extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
