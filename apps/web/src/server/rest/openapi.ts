import { ApiErrorBody } from '@sluice/contracts';
import { z } from 'zod';
import type { Route } from './route';

const schemaOf = (s: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(s, { io, unrepresentable: 'any' });

/** OpenAPI 3.1 document generated from the route table and its zod schemas. */
export function openApiDocument(routes: readonly Route[]): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  const error = { content: { 'application/json': { schema: schemaOf(ApiErrorBody, 'output') } } };
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const params = [...r.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const ok = r.textOutput
      ? { description: 'OK', content: { 'text/plain': { schema: { type: 'string' } } } }
      : { description: 'OK', ...(r.output ? { content: { 'application/json': { schema: schemaOf(r.output, 'output') } } } : {}) };
    paths[path] ??= {};
    paths[path][r.method.toLowerCase()] = {
      summary: r.summary,
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(r.input ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(r.input, 'input') } } } } : {}),
      security: r.auth === 'bearer' ? [{ bearer: [] }] : r.auth === 'basic' ? [{ basic: [] }] : [],
      responses: {
        [String(r.status ?? 200)]: ok,
        ...(r.input ? { 400: { description: 'Invalid input; the message names the field', ...error } } : {}),
        ...(r.auth !== 'none' ? { 401: { description: 'Not authenticated', ...error } } : {}),
        ...(r.admin ? { 403: { description: 'Admins only', ...error } } : {}),
        ...(r.admin && r.method !== 'GET' ? { 409: { description: 'Conflicts with the current state; the message says why', ...error } } : {}),
        ...(params.length > 0 ? { 404: { description: 'Not found (or not yours)', ...error } } : {}),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Sluice API', version: '1' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, basic: { type: 'http', scheme: 'basic' } } },
    paths,
  };
}
