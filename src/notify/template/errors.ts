/** Where in a template source something is: 1-based line and column (columns count UTF-16 code units). */
export interface Position {
  line: number;
  col: number;
}

export type TemplateErrorKind = 'parse' | 'exec';

/**
 * A template could not be parsed, or failed while it ran. `source` names what the text came from (a
 * file of `templates:` or a config label such as `receivers[2].slack_configs[0].title`); `line` and
 * `column` point into that text. `template` is the name of the `define`d template the error is in,
 * when it is not the source's top level.
 */
export class TemplateError extends Error {
  readonly kind: TemplateErrorKind;
  readonly source: string;
  readonly template: string | null;
  readonly line: number;
  readonly column: number;
  /** The message without the location prefix. */
  readonly reason: string;

  constructor(
    kind: TemplateErrorKind,
    source: string,
    pos: Position,
    reason: string,
    template: string | null = null,
  ) {
    const where = template !== null && template !== source ? ` (in template "${template}")` : '';
    super(`template: ${source}:${pos.line}:${pos.col}: ${reason}${where}`);
    this.name = 'TemplateError';
    this.kind = kind;
    this.source = source;
    this.template = template;
    this.line = pos.line;
    this.column = pos.col;
    this.reason = reason;
  }
}

/**
 * A failure inside a function, method or conversion, before it is known where in the template it
 * happened; the executor turns it into a TemplateError at the node being evaluated.
 */
export class ExecFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExecFailure';
  }
}
