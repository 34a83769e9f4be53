import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { createTransport } from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import type { SMTPTransportOptions } from 'nodemailer/lib/smtp-transport';
import { templateData, type CompiledTemplate } from '../template/index.js';
import type { NotificationData } from '../types.js';
import { compileTemplate, isRecord, reportUnknownKeys } from './common.js';
import { alertDetails, alertLine, headline } from './format.js';
import type { ParseContext, ReceiverDefinition, SendResult } from './receiver.js';

/*
 * email_configs: Alertmanager's keys and global smtp_* fallbacks, sent with nodemailer: a
 * multipart/alternative message with a plain text part and the HTML template's part. `to`, `from`
 * and every header are templates, as in Alertmanager. The Message-ID is derived from the
 * notification's ref, so a message sent again after a retry is recognisably the same one.
 * docs/receivers-chat.md is the user documentation.
 */

export interface EmailSettings {
  to: CompiledTemplate;
  from: CompiledTemplate;
  host: string;
  port: number;
  hello: string;
  auth: { user: string; pass: string; method?: 'CRAM-MD5' } | null;
  requireTls: boolean;
  tls: ConnectionOptions;
  /** Canonical header names (Subject, To, From, ...) to templates; Subject is always present. */
  headers: Map<string, CompiledTemplate>;
  /** null when `html: ''` turns the HTML part off. */
  html: CompiledTemplate | null;
  /** null: a plain text version built by Sentinel. */
  text: CompiledTemplate | null;
  timeoutMs: number;
}

const TIMEOUT_MS = 10_000;

const KNOWN_KEYS = new Set([
  'send_resolved',
  'to',
  'from',
  'hello',
  'smarthost',
  'auth_username',
  'auth_password',
  'auth_password_file',
  'auth_password_env',
  'auth_secret',
  'auth_secret_file',
  'auth_secret_env',
  'auth_identity',
  'require_tls',
  'tls_config',
  'headers',
  'html',
  'text',
]);

const TLS_KEYS = new Set([
  'ca',
  'ca_file',
  'cert',
  'cert_file',
  'key',
  'key_file',
  'server_name',
  'insecure_skip_verify',
  'min_version',
  'max_version',
]);

const TLS_VERSIONS: Record<string, ConnectionOptions['minVersion']> = {
  TLS10: 'TLSv1',
  TLS11: 'TLSv1.1',
  TLS12: 'TLSv1.2',
  TLS13: 'TLSv1.3',
};

/** Go's textproto.CanonicalMIMEHeaderKey: "message-id" -> "Message-Id". */
export function canonicalHeader(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

/** "host:port" or "[v6]:port", as Alertmanager's HostPort (the port is required). */
export function parseSmarthost(s: string): { host: string; port: number } | null {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(s) ?? /^([^:\s[\]]+):(\d{1,5})$/.exec(s);
  if (!m) return null;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return null;
  return { host: m[1]!, port };
}

/** The mailbox addresses of an address list, or null when one of its entries is not a plain address. */
export function mailboxes(list: string): string[] | null {
  const parsed = addressparser(list, { flatten: true });
  if (parsed.length === 0) return null;
  const out: string[] = [];
  for (const a of parsed) {
    if (!/^[^\s@<>",]+@[^\s@<>",]+$/.test(a.address)) return null;
    out.push(a.address);
  }
  return out;
}

function optionalString(raw: Record<string, unknown>, key: string, ctx: ParseContext): string | null {
  const v = raw[key];
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string') {
    ctx.issue(key, 'must be a string');
    return null;
  }
  return v;
}

/** A static address list is checked at load; one with template actions when it is rendered. */
function addressTemplate(
  value: string,
  key: string,
  exactlyOne: boolean,
  ctx: ParseContext,
): CompiledTemplate | null {
  if (!value.includes('{{')) {
    const list = mailboxes(value);
    if (list === null) {
      ctx.issue(key, 'must be an e-mail address list such as "Ops <ops@example.org>, oncall@example.org"');
      return null;
    }
    if (exactlyOne && list.length !== 1) {
      ctx.issue(key, `must be exactly one address (got ${list.length})`);
      return null;
    }
  }
  return compileTemplate(ctx, key, value);
}

async function parseTls(raw: unknown, host: string, ctx: ParseContext): Promise<ConnectionOptions> {
  // SNI takes a host name only (RFC 6066); Node warns when given an IP address.
  const out: ConnectionOptions = {
    rejectUnauthorized: true,
    ...(isIP(host) === 0 ? { servername: host } : {}),
  };
  if (raw === undefined || raw === null) return out;
  if (!isRecord(raw)) {
    ctx.issue('tls_config', 'must be a mapping');
    return out;
  }
  const cfg = raw;
  reportUnknownKeys(ctx, cfg, TLS_KEYS, 'tls_config', 'tls_config');
  const pem = async (inline: string, file: string): Promise<string | undefined> => {
    if (typeof cfg[inline] === 'string' && cfg[inline] !== '') return cfg[inline];
    const path = cfg[file];
    if (path === undefined || path === null || path === '') return undefined;
    if (typeof path !== 'string') {
      ctx.issue(`tls_config.${file}`, 'must be a path');
      return undefined;
    }
    try {
      return await readFile(path, 'utf8');
    } catch {
      ctx.issue(`tls_config.${file}`, `cannot read ${path}`);
      return undefined;
    }
  };
  const ca = await pem('ca', 'ca_file');
  const cert = await pem('cert', 'cert_file');
  const key = await pem('key', 'key_file');
  if (ca !== undefined) out.ca = ca;
  if (cert !== undefined) out.cert = cert;
  if (key !== undefined) out.key = key;
  if ((cert === undefined) !== (key === undefined))
    ctx.issue('tls_config', 'a client certificate needs both cert (or cert_file) and key (or key_file)');
  if (typeof cfg.server_name === 'string' && cfg.server_name !== '') out.servername = cfg.server_name;
  if (cfg.insecure_skip_verify !== undefined && cfg.insecure_skip_verify !== null) {
    if (typeof cfg.insecure_skip_verify !== 'boolean')
      ctx.issue('tls_config.insecure_skip_verify', 'must be true or false');
    else out.rejectUnauthorized = !cfg.insecure_skip_verify;
  }
  for (const [k, field] of [
    ['min_version', 'minVersion'],
    ['max_version', 'maxVersion'],
  ] as const) {
    const v = cfg[k];
    if (v === undefined || v === null || v === '') continue;
    const version = typeof v === 'string' ? TLS_VERSIONS[v] : undefined;
    if (version === undefined) ctx.issue(`tls_config.${k}`, 'must be one of TLS10, TLS11, TLS12, TLS13');
    else out[field] = version;
  }
  return out;
}

// ---- the message ----------------------------------------------------------------------------------

/** The plain text part when `text` is not configured: the headline, then each alert with its details. */
export function plainText(data: NotificationData): string {
  const lines = [headline(data), ''];
  for (const a of data.alerts) {
    const { summary, observed, runbook, dashboard } = alertDetails(a, data.externalURL);
    lines.push(alertLine(a));
    if (summary !== null) lines.push(`  ${summary}`);
    for (const s of observed) lines.push(`  ${s}`);
    if (runbook !== null) lines.push(`  Runbook: ${runbook}`);
    if (dashboard !== null) lines.push(`  Dashboard: ${dashboard}`);
    lines.push('');
  }
  if (data.truncatedAlerts > 0) lines.push(`(${data.truncatedAlerts} more alerts not shown)`, '');
  lines.push('-- ', `Sent by Sentinel to ${data.receiver}.`);
  return lines.join('\n');
}

/** `<sentinel.{ref}@{domain of the sender}>`: the same for every attempt at one notification. */
export function messageIdFor(ref: string, fromAddress: string): string {
  const at = fromAddress.lastIndexOf('@');
  const domain = at >= 0 ? fromAddress.slice(at + 1).replace(/[^A-Za-z0-9.-]/g, '') : '';
  const left = ref.replace(/[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]/g, '-');
  return `<sentinel.${left}@${domain !== '' ? domain : 'sentinel.invalid'}>`;
}

export interface RenderedEmail {
  envelope: { from: string; to: string[] };
  from: string;
  to: string;
  subject: string;
  messageId: string;
  headers: Record<string, string>;
  text: string;
  html: string | null;
}

/** Renders one message. Throws TemplateError when a template fails, Error for bad addresses. */
export function renderEmail(settings: EmailSettings, ref: string, data: NotificationData): RenderedEmail {
  const dot = templateData(data);
  const oneLine = (s: string): string => s.replace(/[\r\n]+/g, ' ').trim();
  const fromList = settings.from.execute(dot).trim();
  const toList = settings.to.execute(dot).trim();
  const fromAddrs = mailboxes(fromList);
  if (fromAddrs === null || fromAddrs.length !== 1)
    throw new Error(`'from' must render to exactly one address, got ${JSON.stringify(fromList)}`);
  const toAddrs = mailboxes(toList);
  if (toAddrs === null) throw new Error(`'to' must render to an address list, got ${JSON.stringify(toList)}`);
  const headers: Record<string, string> = {};
  for (const [name, tpl] of settings.headers) headers[name] = oneLine(tpl.execute(dot));
  const {
    Subject: subject = '',
    To: toHeader,
    From: fromHeader,
    'Message-Id': messageId,
    ...extra
  } = headers;
  return {
    envelope: { from: fromAddrs[0]!, to: toAddrs },
    from: fromHeader ?? fromList,
    to: toHeader ?? toList,
    subject,
    messageId: messageId ?? messageIdFor(ref, fromAddrs[0]!),
    headers: extra,
    text: settings.text !== null ? settings.text.execute(dot) : plainText(data),
    html: settings.html !== null ? settings.html.executeHtml(dot) : null,
  };
}

// ---- errors ---------------------------------------------------------------------------------------

interface SmtpError {
  code?: string;
  responseCode?: number;
  message?: string;
}

/** Nodemailer codes that say the message or the configuration is wrong, not the connection. */
const PERMANENT_CODES = new Set(['ECONFIG', 'ENOAUTH', 'EENVELOPE', 'EMESSAGE', 'EMAXRECIPIENTS', 'EAUTH']);

/**
 * SMTP replies: 5xx permanent (550 mailbox unavailable, 535 authentication failed, 554 rejected),
 * except 503 (a command out of sequence: a new connection can succeed); 4xx retryable (451, 421,
 * 452). Errors without a reply: connection, timeout, TLS and DNS failures retryable; a message or
 * configuration nodemailer refuses to send (no recipients, missing credentials) permanent.
 */
export function classifySmtpError(err: unknown): SendResult {
  const e = (typeof err === 'object' && err !== null ? err : {}) as SmtpError;
  const code = typeof e.code === 'string' && e.code !== '' ? ` ${e.code}` : '';
  const error = `SMTP${code}: ${typeof e.message === 'string' ? e.message : String(err)}`.slice(0, 500);
  const reply = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  if (reply !== undefined && reply >= 400) {
    if (reply >= 500 && reply !== 503) return { outcome: 'permanent', error, statusCode: reply };
    return { outcome: 'retryable', error, statusCode: reply };
  }
  if (e.code !== undefined && PERMANENT_CODES.has(e.code)) return { outcome: 'permanent', error };
  return { outcome: 'retryable', error };
}

// ---- the definition -------------------------------------------------------------------------------

export const emailReceiver: ReceiverDefinition<EmailSettings> = {
  configKey: 'email_configs',
  sendResolvedDefault: false,
  async parse(raw, ctx) {
    const g = ctx.global.smtp;
    reportUnknownKeys(ctx, raw, KNOWN_KEYS, 'email_configs');
    let ok = true;

    const toRaw = optionalString(raw, 'to', ctx);
    let to: CompiledTemplate | null = null;
    if (toRaw === null) ctx.issue('to', 'is required: the address list to send to');
    else to = addressTemplate(toRaw, 'to', false, ctx);

    const fromRaw = optionalString(raw, 'from', ctx) ?? g.from;
    let from: CompiledTemplate | null = null;
    if (fromRaw === null) ctx.issue('from', 'is required (or global.smtp_from)');
    else from = addressTemplate(fromRaw, 'from', true, ctx);

    const smarthostRaw = optionalString(raw, 'smarthost', ctx) ?? g.smarthost;
    let smarthost: { host: string; port: number } | null = null;
    if (smarthostRaw === null) ctx.issue('smarthost', 'is required (or global.smtp_smarthost), as host:port');
    else {
      smarthost = parseSmarthost(smarthostRaw);
      if (smarthost === null) ctx.issue('smarthost', 'must be host:port, e.g. smtp.example.org:587');
    }

    const hello = optionalString(raw, 'hello', ctx) ?? g.hello;
    const username = optionalString(raw, 'auth_username', ctx) ?? g.authUsername;
    const password = (await ctx.secret(raw, 'auth_password')) ?? g.authPassword;
    const secret = (await ctx.secret(raw, 'auth_secret')) ?? g.authSecret;
    const identity = optionalString(raw, 'auth_identity', ctx) ?? g.authIdentity;
    let auth: EmailSettings['auth'] = null;
    if (username !== null) {
      if (password !== null && password !== '') auth = { user: username, pass: password };
      else if (secret !== null && secret !== '') auth = { user: username, pass: secret, method: 'CRAM-MD5' };
      else
        ctx.warn(
          'auth_username',
          'is set without auth_password or auth_secret: Sentinel will not authenticate',
        );
    }
    if (identity !== null && identity !== username)
      ctx.warn('auth_identity', 'is not supported: PLAIN authenticates as auth_username');

    let requireTls = g.requireTls;
    if (raw.require_tls !== undefined && raw.require_tls !== null) {
      if (typeof raw.require_tls !== 'boolean') ctx.issue('require_tls', 'must be true or false');
      else requireTls = raw.require_tls;
    }
    const tls = await parseTls(raw.tls_config, smarthost?.host ?? '', ctx);

    const headers = new Map<string, CompiledTemplate>();
    const headersRaw = raw.headers;
    if (headersRaw !== undefined && headersRaw !== null) {
      if (!isRecord(headersRaw)) {
        ctx.issue('headers', 'must be a mapping of header names to templates');
      } else {
        for (const [name, value] of Object.entries(headersRaw)) {
          const canonical = canonicalHeader(name);
          const key = `headers.${name}`;
          if (!/^[!-9;-~]+$/.test(name)) ctx.issue(key, 'is not a valid header name');
          else if (headers.has(canonical)) ctx.issue(key, `duplicate header ${JSON.stringify(canonical)}`);
          else if (typeof value !== 'string') ctx.issue(key, 'must be a string (a template)');
          else {
            const compiled = compileTemplate(ctx, key, value);
            if (compiled === null) ok = false;
            else headers.set(canonical, compiled);
          }
        }
      }
    }
    if (!headers.has('Subject')) {
      const subject = compileTemplate(ctx, 'headers.Subject', '{{ template "email.default.subject" . }}');
      if (subject === null) ok = false;
      else headers.set('Subject', subject);
    }

    let html: CompiledTemplate | null = null;
    const htmlRaw = raw.html ?? '{{ template "email.default.html" . }}';
    if (typeof htmlRaw !== 'string') ctx.issue('html', 'must be a string (a template)');
    else if (htmlRaw !== '') {
      html = compileTemplate(ctx, 'html', htmlRaw);
      if (html === null) ok = false;
    }
    let text: CompiledTemplate | null = null;
    const textRaw = raw.text;
    if (textRaw !== undefined && textRaw !== null && typeof textRaw !== 'string')
      ctx.issue('text', 'must be a string (a template)');
    else if (typeof textRaw === 'string' && textRaw !== '') {
      text = compileTemplate(ctx, 'text', textRaw);
      if (text === null) ok = false;
    }

    if (!ok || to === null || from === null || smarthost === null) return null;
    return {
      to,
      from,
      host: smarthost.host,
      port: smarthost.port,
      hello,
      auth,
      requireTls,
      tls,
      headers,
      html,
      text,
      timeoutMs: TIMEOUT_MS,
    };
  },
  create(settings) {
    // One transport per integration; not pooled: a connection per message, as Alertmanager.
    const options: SMTPTransportOptions = {
      host: settings.host,
      port: settings.port,
      // Implicit TLS on 465; otherwise STARTTLS when require_tls, and plain SMTP when not (as Alertmanager).
      secure: settings.port === 465,
      requireTLS: settings.port !== 465 && settings.requireTls,
      ignoreTLS: settings.port !== 465 && !settings.requireTls,
      name: settings.hello,
      tls: settings.tls,
      connectionTimeout: settings.timeoutMs,
      greetingTimeout: settings.timeoutMs,
      socketTimeout: settings.timeoutMs,
      ...(settings.auth !== null ? { auth: settings.auth } : {}),
    };
    const transport = createTransport(options);
    return {
      async send(message, signal) {
        let mail: RenderedEmail;
        try {
          mail = renderEmail(settings, message.ref, message.data);
        } catch (err) {
          return { outcome: 'permanent', error: err instanceof Error ? err.message : String(err) };
        }
        try {
          const info = await transport.sendMail({
            envelope: mail.envelope,
            from: mail.from,
            to: mail.to,
            subject: mail.subject,
            messageId: mail.messageId,
            headers: mail.headers,
            text: mail.text,
            ...(mail.html !== null ? { html: mail.html } : {}),
            encoding: 'quoted-printable',
            disableFileAccess: true,
            disableUrlAccess: true,
            signal,
          });
          const rejected: SmtpError[] = info.rejectedErrors ?? [];
          if (info.rejected.length === 0) return { outcome: 'delivered', statusCode: 250 };
          // Some recipients refused: a deferral is retried (the same Message-ID lets clients drop the
          // copy the others receive again); a permanent refusal is reported, with who got it.
          const reasons = rejected.map((r) => r.message ?? '').join('; ');
          const error = `SMTP: delivered to ${info.accepted.length} of ${info.accepted.length + info.rejected.length} recipients; rejected ${info.rejected.join(', ')}${reasons ? `: ${reasons}` : ''}`;
          const deferred = rejected.some(
            (r) => typeof r.responseCode === 'number' && (r.responseCode < 500 || r.responseCode === 503),
          );
          return deferred ? { outcome: 'retryable', error } : { outcome: 'permanent', error };
        } catch (err) {
          return classifySmtpError(err);
        }
      },
    };
  },
};
