// Builds a request path from the spec's template. An empty or dot-segment parameter would address a
// different resource (`/v1/jobs/` lists, `/v1/jobs/..` climbs), so it is refused before sending.
import { TransmuteError } from './errors.ts';

export function buildPath(template: string, params: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (typeof value !== 'string' || value === '') throw new TransmuteError(`Path parameter \`${name}\` must be a non-empty string.`);
    if (value === '.' || value === '..') throw new TransmuteError(`Path parameter \`${name}\` must not be "${value}".`);
    return encodeURIComponent(value);
  });
}
