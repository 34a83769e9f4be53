/*
 * Go text/template for notification templates, compatible with what Alertmanager 0.25 configs contain.
 * docs/templates.md is the user documentation.
 */
import type { Tree } from './ast.js';
import { templateData, plainData, type TemplateData } from './data.js';
import { DEFAULT_TEMPLATES, DEFAULTS_SOURCE } from './defaults.js';
import { execute, type ExecOptions } from './exec.js';
import { checkReferences, load } from './set.js';

export { TemplateError, type TemplateErrorKind } from './errors.js';
export { templateData, plainData, type TemplateData };

/** A file of `templates:`: its name (for errors, and as a template name, by its base name) and text. */
export interface TemplateSource {
  name: string;
  text: string;
}

export interface TemplateSetOptions {
  /**
   * What a missing map key (e.g. `{{ .Labels.nope }}`) gives: 'zero' (default) the empty string, as
   * Alertmanager (which sets Go's missingkey=zero); 'default' Go's plain `<no value>`.
   */
  missingKey?: 'zero' | 'default';
  /** Time source for `since` (a Clock). */
  clock?: { now(): number };
  /** Deepest `{{ template }}` nesting (default 1000). */
  maxDepth?: number;
  /** Largest output of one execution, in UTF-8 bytes (default 1 MiB). */
  maxOutputBytes?: number;
  /** Most evaluation steps of one execution (default 5,000,000). */
  maxSteps?: number;
}

export interface CompiledTemplate {
  /** Text mode (Go text/template): no escaping. Throws TemplateError (kind 'exec'). */
  execute(data: TemplateData): string;
  /**
   * HTML mode, for email bodies and Matrix formatted_body: every action's output is HTML-escaped
   * unless it is a value marked by `safeHtml`. A simplification of html/template: the escaping does
   * not depend on the context (attribute, URL, script) the action is in.
   */
  executeHtml(data: TemplateData): string;
}

export interface TemplateSet {
  /**
   * Parses a template string from config (e.g. a receiver's `title`). Throws TemplateError on a
   * parse error, and when it (transitively) references a `{{ template "x" }}` not defined in the set.
   * `label` names it in errors, e.g. "receivers[2].slack_configs[0].title". `define`s in the text
   * apply to this template only.
   */
  compile(text: string, label: string): CompiledTemplate;
  /** Whether a named template is defined. */
  has(name: string): boolean;
  /** Names of all defined templates, sorted. */
  names(): string[];
}

function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

/**
 * Sentinel's default templates, then `files` in order; a later `define` of a name replaces an
 * earlier one (as Go's ParseFiles). Throws TemplateError (kind 'parse') naming the file.
 */
export function createTemplateSet(
  files: readonly TemplateSource[] = [],
  options: TemplateSetOptions = {},
): TemplateSet {
  const trees = new Map<string, Tree>();
  load(trees, DEFAULT_TEMPLATES, DEFAULTS_SOURCE, DEFAULTS_SOURCE, false);
  for (const f of files) load(trees, f.text, f.name, baseName(f.name), true);
  const base: Omit<ExecOptions, 'html'> = {
    missingKey: options.missingKey ?? 'zero',
    now: options.clock ? () => options.clock!.now() : () => Date.now(),
    maxDepth: options.maxDepth ?? 1000,
    maxOutput: options.maxOutputBytes ?? 1024 * 1024,
    maxSteps: options.maxSteps ?? 5_000_000,
  };
  return {
    compile(text: string, label: string): CompiledTemplate {
      const set = new Map(trees);
      // The text's defines apply to it alone; its top level is not a template others can call.
      const main = load(set, text, label, label, false);
      checkReferences(main, set);
      return {
        execute: (data) => execute(set, main, data, { ...base, html: false }),
        executeHtml: (data) => execute(set, main, data, { ...base, html: true }),
      };
    },
    has: (name) => trees.has(name),
    names: () => [...trees.keys()].sort(),
  };
}
