import type { CapturedRequest } from '../webhook-server.js';
import { FakeService, isRecord, type Reply } from './common.js';

/*
 * A fake PagerDuty Events API v2 (POST /v2/enqueue) on loopback. It checks what PagerDuty checks
 * (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/): a 32-character routing key,
 * the event_action, the dedup_key's length, the payload's required fields and the summary's length
 * for a trigger, and the event's size; it answers 400 {status:'invalid event', errors:[...]} when
 * something is wrong and 202 {status:'success'} otherwise, and keeps the state of each dedup_key.
 */

export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'acknowledge' | 'resolve';
  dedup_key?: string;
  payload?: {
    summary: string;
    source: string;
    severity: 'critical' | 'error' | 'warning' | 'info';
    timestamp?: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details?: Record<string, unknown>;
  };
  client?: string;
  client_url?: string;
  links?: Array<{ href: string; text?: string }>;
  images?: Array<{ src: string; href?: string; alt?: string }>;
}

export const PAGERDUTY_MAX_EVENT_BYTES = 512 * 1024;
const SEVERITIES = ['critical', 'error', 'warning', 'info'];
const ACTIONS = ['trigger', 'acknowledge', 'resolve'];

function blank(v: unknown): boolean {
  return typeof v !== 'string' || v.trim() === '';
}

/** What PagerDuty would say is wrong with an event body; [] when it would accept it. */
export function pagerdutyEventErrors(body: string): string[] {
  if (Buffer.byteLength(body) > PAGERDUTY_MAX_EVENT_BYTES) return ['Event object is larger than 512 KB'];
  let e: unknown;
  try {
    e = JSON.parse(body);
  } catch {
    return ['Event object is not valid JSON'];
  }
  if (!isRecord(e)) return ['Event object must be a JSON object'];
  const errors: string[] = [];
  if (typeof e.routing_key !== 'string' || e.routing_key.length !== 32) {
    errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
  }
  if (typeof e.event_action !== 'string' || !ACTIONS.includes(e.event_action)) {
    errors.push("'event_action' is invalid (must be one of 'trigger', 'acknowledge' or 'resolve')");
  }
  if (e.dedup_key !== undefined) {
    if (typeof e.dedup_key !== 'string') errors.push("'dedup_key' must be a string");
    else if (e.dedup_key.length > 255) errors.push("Length of 'dedup_key' must be at most 255 characters");
  } else if (e.event_action === 'acknowledge' || e.event_action === 'resolve') {
    errors.push("'dedup_key' is required for acknowledge and resolve events");
  }
  if (e.event_action === 'trigger') {
    const p = e.payload;
    if (!isRecord(p)) errors.push("'payload' is missing or not an object");
    else {
      if (blank(p.summary)) errors.push("'payload.summary' is missing or blank");
      else if ((p.summary as string).length > 1024)
        errors.push("'payload.summary' must be at most 1024 characters");
      if (blank(p.source)) errors.push("'payload.source' is missing or blank");
      if (typeof p.severity !== 'string' || !SEVERITIES.includes(p.severity)) {
        errors.push(
          "'payload.severity' is invalid (must be one of 'critical', 'error', 'warning' or 'info')",
        );
      }
      if (
        p.timestamp !== undefined &&
        (typeof p.timestamp !== 'string' || !Number.isFinite(Date.parse(p.timestamp)))
      ) {
        errors.push("'payload.timestamp' must be an ISO 8601 timestamp");
      }
      for (const k of ['component', 'group', 'class']) {
        if (p[k] !== undefined && typeof p[k] !== 'string') errors.push(`'payload.${k}' must be a string`);
      }
      if (p.custom_details !== undefined && !isRecord(p.custom_details)) {
        errors.push("'payload.custom_details' must be an object");
      }
    }
    for (const [key, required] of [
      ['links', 'href'],
      ['images', 'src'],
    ] as const) {
      const list = e[key];
      if (list === undefined) continue;
      if (!Array.isArray(list)) errors.push(`'${key}' must be an array`);
      else
        list.forEach((item, i) => {
          if (!isRecord(item) || blank(item[required]))
            errors.push(`'${key}[${i}].${required}' is missing or blank`);
        });
    }
  }
  return errors;
}

export class FakePagerDuty extends FakeService {
  /** Whether each dedup_key's alert is open (triggered) or resolved, after the events so far. */
  readonly incidents = new Map<string, 'triggered' | 'acknowledged' | 'resolved'>();

  /** The Events API v2 endpoint (give it as `url`). */
  override get url(): string {
    return `${this.base}/v2/enqueue`;
  }

  override reset(): void {
    super.reset();
    this.incidents.clear();
  }

  /** Events accepted (202), in order. */
  events(): PagerDutyEvent[] {
    return this.server.bodies<PagerDutyEvent>();
  }

  /** Bodies of requests answered with an error. */
  rejected(): CapturedRequest[] {
    return this.server.rejected;
  }

  protected handle(req: CapturedRequest): Reply {
    if (req.method !== 'POST' || req.path !== '/v2/enqueue') {
      return { status: 404, body: JSON.stringify({ status: 'not found', message: 'Not Found' }) };
    }
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return {
        status: 400,
        body: JSON.stringify({
          status: 'invalid event',
          message: 'Event object is invalid',
          errors: ['Content-Type must be application/json'],
        }),
      };
    }
    const errors = pagerdutyEventErrors(req.body);
    if (errors.length > 0) {
      return {
        status: 400,
        body: JSON.stringify({ status: 'invalid event', message: 'Event object is invalid', errors }),
      };
    }
    const e = JSON.parse(req.body) as PagerDutyEvent;
    const dedupKey = e.dedup_key ?? `generated-${this.server.requests.length + 1}`;
    this.incidents.set(
      dedupKey,
      e.event_action === 'trigger' ? 'triggered' : e.event_action === 'resolve' ? 'resolved' : 'acknowledged',
    );
    return {
      status: 202,
      body: JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: dedupKey }),
    };
  }
}
