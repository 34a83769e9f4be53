import { z } from 'zod';
import { SentinelError, type FieldIssue } from '../errors.js';

/** Request-body and query validation with zod, reported as coded field issues. */

function issueCode(code: string): string {
  switch (code) {
    case 'invalid_type':
      return 'invalid_type';
    case 'invalid_value':
      return 'invalid_enum';
    case 'too_big':
      return 'out_of_range';
    case 'too_small':
      return 'out_of_range';
    case 'unrecognized_keys':
      return 'unknown_field';
    case 'invalid_format':
      return 'invalid_format';
    default:
      return 'invalid_format';
  }
}

export function zodIssues(error: z.ZodError, prefix = ''): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const issue of error.issues) {
    const path = issue.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
      .join('.')
      .replace(/\.\[/g, '[');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({
          field: prefix + (path ? `${path}.${key}` : key),
          code: 'unknown_field',
          message: `unknown field ${key}`,
        });
      }
      continue;
    }
    const missing = issue.code === 'invalid_type' && issue.input === undefined;
    out.push({
      field: prefix + path,
      code: missing ? 'required' : issueCode(issue.code),
      message: missing ? `${path} is required` : issue.message,
    });
  }
  return out;
}

export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  code: 'invalid_request' | 'invalid_field' = 'invalid_request',
): z.output<S> {
  const result = schema.safeParse(value ?? {}, { reportInput: true });
  if (!result.success) {
    const details = zodIssues(result.error);
    throw new SentinelError(
      code,
      details.map((d) => `${d.field || 'body'}: ${d.message}`).join('; '),
      details,
    );
  }
  return result.data;
}

/** Query values arrive as strings; these coerce them and keep the field name in errors. */
export const queryInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** A comma-separated list (also accepted repeated: ?status_in=a&status_in=b). */
export const queryList = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) =>
      (Array.isArray(v) ? v : [v])
        .flatMap((s) => s.split(','))
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(values)));

export const cursorParam = z
  .string()
  .regex(/^\d{1,15}$/, 'must be a cursor returned by an earlier page')
  .transform(Number);
