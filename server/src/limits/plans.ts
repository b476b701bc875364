// Plans are configuration (DESIGN.md): their limits come from a YAML file checked once at startup,
// so a typo stops the process with the file and field named instead of limiting nobody.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../config.ts';
import { PLANS, type Plan } from '../db/entities.ts';

export interface PlanLimit {
  /** Requests allowed per window for one key or account. */
  requests: number;
  windowS: number;
  /** Requests the account may make per calendar month (UTC); absent: no monthly quota. */
  monthlyRequests?: number;
}

/** A plan's request limits: what the rate limiter and the monthly quota read. */
export type Plans = Readonly<Record<Plan, PlanLimit>>;

/** A plan as the file sets it: its request limits, and what an account may keep. */
export interface PlanSettings extends PlanLimit {
  /** Webhook endpoints the account may have at once, enabled or not. */
  webhookEndpoints: number;
}

export type PlanCatalog = Readonly<Record<Plan, PlanSettings>>;

const MAX_REQUESTS = 1_000_000_000;
const MAX_WINDOW_S = 86_400;
const MAX_MONTHLY_REQUESTS = 1_000_000_000_000;
const MAX_WEBHOOK_ENDPOINTS = 10_000;

function wholeNumber(min: number, max: number) {
  const error = `must be a whole number from ${min} to ${max}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
}

const planSchema = z.strictObject(
  {
    requests: wholeNumber(1, MAX_REQUESTS),
    window_s: wholeNumber(1, MAX_WINDOW_S),
    monthly_requests: wholeNumber(1, MAX_MONTHLY_REQUESTS).optional(),
    webhook_endpoints: wholeNumber(0, MAX_WEBHOOK_ENDPOINTS),
  },
  { error: (issue) => (issue.input === undefined ? `is missing: every plan (${PLANS.join(', ')}) must be listed` : undefined) },
);

// An enum-keyed record is exhaustive: a plan an account can have but the file forgets is an error,
// and so is a plan no account can have (most likely a misspelling).
const fileSchema = z.record(z.enum(PLANS), planSchema);

export function loadPlans(file: string): PlanCatalog {
  const parsed = fileSchema.safeParse(readYaml(file));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new ConfigError(`invalid plans file ${file}:\n${lines.join('\n')}`);
  }
  const plans = {} as Record<Plan, PlanSettings>;
  for (const plan of PLANS) {
    const { requests, window_s, monthly_requests, webhook_endpoints } = parsed.data[plan];
    plans[plan] = {
      requests,
      windowS: window_s,
      ...(monthly_requests === undefined ? {} : { monthlyRequests: monthly_requests }),
      webhookEndpoints: webhook_endpoints,
    };
  }
  return plans;
}

function readYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`plans file ${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return parse(text);
  } catch (error) {
    throw new ConfigError(`plans file ${file} is not valid YAML: ${(error as Error).message}`);
  }
}
