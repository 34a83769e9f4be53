import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  stringify,
  type Document,
} from 'yaml';

/**
 * The YAML side of configuration loading: positions of keys and values, so every problem can be
 * reported as `path (line L, col C)`, and the scan for inline secrets in Alertmanager sections.
 */

export type PathSegment = string | number;

export interface Position {
  line: number;
  column: number;
}

export interface SourceDocument {
  doc: Document;
  lineCounter: LineCounter;
}

export interface YamlProblem {
  message: string;
  position: Position | null;
}

export function parseYaml(text: string): {
  source: SourceDocument;
  errors: YamlProblem[];
  warnings: YamlProblem[];
} {
  const lineCounter = new LineCounter();
  // prettyErrors is off because it quotes the surrounding source lines, which may hold a secret.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  const toProblem = (e: { message: string; pos: [number, number] }): YamlProblem => ({
    message: e.message,
    position: positionAt(lineCounter, e.pos[0]),
  });
  return {
    source: { doc, lineCounter },
    errors: doc.errors.map(toProblem),
    warnings: doc.warnings.map(toProblem),
  };
}

function positionAt(lineCounter: LineCounter, offset: number): Position {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

function rangeStart(node: unknown): number | null {
  if (node !== null && typeof node === 'object' && 'range' in node) {
    const range = (node as { range?: [number, number, number] | null }).range;
    if (range) return range[0];
  }
  return null;
}

/**
 * Where the value at `path` (or, with target 'key', its key) is written. A path that does not exist
 * in the file (a missing required key, a value that came from a merge key) falls back to the nearest
 * ancestor that does, which is where the user has to look.
 */
export function locate(
  source: SourceDocument,
  path: readonly PathSegment[],
  target: 'value' | 'key' = 'value',
): Position | null {
  const { doc, lineCounter } = source;
  let node: unknown = doc.contents;
  let best = rangeStart(node);
  for (let i = 0; i < path.length; i++) {
    if (isAlias(node)) node = node.resolve(doc);
    const segment = path[i];
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
      );
      if (!pair) break;
      if (target === 'key' && i === path.length - 1) {
        best = rangeStart(pair.key) ?? best;
        break;
      }
      // An empty value (`key:`) has no useful position of its own; the key is where to look.
      const value = pair.value;
      const emptyValue = isScalar(value) && value.value === null && value.source === '';
      best = (emptyValue ? null : rangeStart(value)) ?? rangeStart(pair.key) ?? best;
      node = value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (item === undefined) break;
      best = rangeStart(item) ?? best;
      node = item;
    } else {
      break;
    }
  }
  return best === null ? null : positionAt(lineCounter, best);
}

/** True when the file has something at exactly this path. */
export function existsInSource(source: SourceDocument, path: readonly PathSegment[]): boolean {
  let node: unknown = source.doc.contents;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(source.doc);
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
      );
      if (!pair) return false;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      if (node === undefined) return false;
    } else {
      return false;
    }
  }
  return true;
}

const IDENTIFIER_RE = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `auth.tokens[0].token_env`; keys that are not identifiers are quoted: `route["a.b"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && IDENTIFIER_RE.test(segment))
      out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

/** The path with list indices replaced by `[]`: `auth.tokens[]`. */
export function pathPattern(path: readonly PropertyKey[]): string {
  return formatPath(path.map((s) => (typeof s === 'number' ? -1 : s))).replaceAll('[-1]', '[]');
}

// ---------------------------------------------------------------------------------------------
// Inline secrets in Alertmanager sections
// ---------------------------------------------------------------------------------------------

/** Names that hold a secret in Alertmanager's configuration (smtp_auth_password, bot_token, api_key, ...). */
const SECRET_NAME_RE = /(^|_)(password|secret|token|api_key|credentials|routing_key|service_key)$/;
/** URL-valued keys that name a public API endpoint rather than a secret webhook. */
const PUBLIC_URL_KEYS = new Set([
  'pagerduty_url',
  'opsgenie_api_url',
  'victorops_api_url',
  'wechat_api_url',
  'telegram_api_url',
  'webex_api_url',
  'jira_api_url',
  'rocketchat_api_url',
  'client_url',
  'image_url',
  'icon_url',
  'thumb_url',
  'link_url',
  'token_url',
  'proxy_url',
  'external_url',
  'generator_url',
]);
const SECRET_QUERY_RE = /token|key|secret|password|sig/i;

function isSecretKey(key: string, container: PathSegment | undefined): boolean {
  if (SECRET_NAME_RE.test(key)) return true;
  if (!key.endsWith('_url') || PUBLIC_URL_KEYS.has(key)) return false;
  // api_url is Slack's secret webhook in slack_configs but a public endpoint in every other receiver.
  if (key === 'api_url') return container === 'slack_configs';
  return true;
}

/** A URL with a password in it, or a query parameter that looks like a credential. */
function isUrlWithCredentials(value: string): boolean {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || !URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.password !== '') return true;
  for (const name of url.searchParams.keys()) if (SECRET_QUERY_RE.test(name)) return true;
  return false;
}

/**
 * Paths in the Alertmanager sections that hold an inline secret. Alertmanager allows them, so they
 * are accepted; the warnings name the place (never the value) so the operator can move them to a
 * *_file field.
 */
export function inlineSecretWarnings(source: SourceDocument, sections: readonly string[]): string[] {
  const warnings: string[] = [];
  const root = source.doc.contents;
  if (!isMap(root)) return warnings;

  const visit = (node: unknown, path: PathSegment[]): void => {
    // Aliased nodes were already visited where their anchor is defined.
    if (isAlias(node)) return;
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        const childPath = [...path, key];
        const value = pair.value;
        if (isScalar(value) && typeof value.value === 'string' && value.value.trim() !== '') {
          const text = value.value;
          const templated = text.includes('{{');
          if (!templated && (isSecretKey(key, path[path.length - 2]) || isUrlWithCredentials(text))) {
            const pos = locate(source, childPath);
            const where = pos ? ` (line ${pos.line}, col ${pos.column})` : '';
            warnings.push(
              `${formatPath(childPath)}${where}: inline secret in the configuration file; prefer ${key}_file where the receiver supports it, or keep this file readable only by Sentinel`,
            );
          }
        } else {
          visit(value, childPath);
        }
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => visit(item, [...path, i]));
    }
  };

  for (const pair of root.items) {
    if (isScalar(pair.key) && sections.includes(String(pair.key.value)))
      visit(pair.value, [String(pair.key.value)]);
  }
  return warnings;
}

/**
 * The Alertmanager sections as YAML with every secret value replaced by `<secret>`, as
 * Alertmanager shows its configuration in GET /api/v2/status (amtool config show).
 */
export function maskedAlertmanagerYaml(sections: Record<string, unknown>): string {
  const mask = (
    value: unknown,
    key: PathSegment | undefined,
    container: PathSegment | undefined,
  ): unknown => {
    if (Array.isArray(value)) return value.map((v) => mask(v, undefined, key));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = mask(v, k, key);
      return out;
    }
    if (typeof value === 'string' && key !== undefined && typeof key === 'string') {
      if (!value.includes('{{') && (isSecretKey(key, container) || isUrlWithCredentials(value)))
        return '<secret>';
    }
    return value;
  };
  const present: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(sections)) {
    const empty =
      v === null ||
      (Array.isArray(v) && v.length === 0) ||
      (typeof v === 'object' && v !== null && Object.keys(v).length === 0);
    if (!empty) present[k] = mask(v, k, undefined);
  }
  return Object.keys(present).length === 0 ? '' : stringify(present, { lineWidth: 0 });
}
