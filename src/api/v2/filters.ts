import { SentinelError } from '../../errors.js';
import { checkApiRegex, MatcherError, parseMatchers, type Matcher } from '../../routing/matchers.js';

/** The `filter` query parameter of Alertmanager's API: repeated matcher strings (`?filter=env="prod"`). */
export function filterMatchers(raw: unknown): Matcher[] {
  if (raw === undefined) return [];
  const values = Array.isArray(raw) ? raw : [raw];
  const out: Matcher[] = [];
  values.forEach((v, i) => {
    if (typeof v !== 'string') {
      throw new SentinelError('invalid_field', 'filter must be a matcher such as env="prod"', [
        { field: `filter[${i}]`, code: 'invalid_type', message: 'must be a string' },
      ]);
    }
    try {
      const parsed = parseMatchers(v);
      for (const m of parsed) {
        const problem = m.type === '=~' || m.type === '!~' ? checkApiRegex(m.value) : null;
        if (problem !== null) throw new MatcherError(v, problem);
      }
      out.push(...parsed);
    } catch (err) {
      if (!(err instanceof MatcherError)) throw err;
      throw new SentinelError('invalid_field', `bad filter: ${err.message}`, [
        { field: `filter[${i}]`, code: 'invalid_format', message: err.message },
      ]);
    }
  });
  return out;
}

/** A boolean query parameter with a default (`?active=false`). */
export function boolParam(raw: unknown, name: string, fallback: boolean): boolean {
  if (raw === undefined) return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new SentinelError('invalid_field', `${name} must be true or false`, [
    { field: name, code: 'invalid_format', message: 'must be true or false' },
  ]);
}
