import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import type { AuthUser } from '../auth/sessions';
import { AppError } from '../errors';
import type { ServiceContext } from '../services/context';

export interface RouteCall {
  ctx: ServiceContext;
  /** The caller; routes with auth "none" or "basic" get null here. */
  user: AuthUser | null;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  req: IncomingMessage;
}

export interface RouteResult {
  status?: number;
  json?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

/** One REST v1 endpoint: its contract (for the OpenAPI document) and its handler. */
export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** With `:name` segments, e.g. /api/v1/jobs/:id */
  path: string;
  auth: 'none' | 'basic' | 'bearer';
  /** Admins only (documented as a possible 403). */
  admin?: boolean;
  summary: string;
  input?: z.ZodType;
  output?: z.ZodType;
  /** Status of a successful call (default 200). */
  status?: number;
  /** For text responses (e.g. logs). */
  textOutput?: boolean;
  handler(call: RouteCall): Promise<RouteResult>;
}

/** Matches a path against a route pattern; returns the parameters or null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/');
  const s = path.split('/');
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const want = p[i] ?? '';
    const got = s[i] ?? '';
    if (want.startsWith(':')) {
      if (!got) return null;
      params[want.slice(1)] = decodeURIComponent(got);
    } else if (want !== got) return null;
  }
  return params;
}

/** The caller of a bearer route (the handler checked the token; this narrows the type). */
export const must = <T>(u: T | null): T => {
  if (!u) throw new AppError('UNAUTHORIZED', 'missing or invalid bearer token');
  return u;
};

/** Methods whose request carries a JSON body. */
export const hasBody = (method: string | undefined): boolean => method === 'POST' || method === 'PUT' || method === 'PATCH';
