/*
 * Go (RE2) regular expressions run as JS RegExps. The common syntax is the same; this translates the
 * differences templates meet: leading flag groups such as (?i), (?P<name>...), \A and \z, POSIX
 * classes, \pL, and escaped punctuation. What JS cannot express (flag groups in the middle, (?U))
 * is reported as an error instead of silently matching something else.
 */

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7f',
  blank: '\\t ',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

export function translateRegex(pattern: string): { source: string; flags: string } {
  let flags = '';
  let p = pattern;
  const lead = /^\(\?([a-zA-Z]+)\)/.exec(p);
  if (lead) {
    for (const f of lead[1]!) {
      if (f === 'i' || f === 'm' || f === 's') {
        if (!flags.includes(f)) flags += f;
      } else throw new Error(`unsupported flag ${JSON.stringify(f)} in ${JSON.stringify(lead[0])}`);
    }
    p = p.slice(lead[0].length);
  }
  let out = '';
  let inClass = false;
  let openRepeat = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      const e = p[i + 1];
      if (e === undefined) throw new Error('trailing backslash at end of expression');
      i++;
      if (e === 'A' && !inClass) out += '(?<![\\s\\S])';
      else if (e === 'z' && !inClass) out += '(?![\\s\\S])';
      else if (e === 'Q') {
        const end = p.indexOf('\\E', i + 1);
        const lit = end < 0 ? p.slice(i + 1) : p.slice(i + 1, end);
        out += [...lit]
          .map((ch) => (/[\w]/.test(ch) ? ch : `\\u{${ch.codePointAt(0)!.toString(16)}}`))
          .join('');
        i = end < 0 ? p.length : end + 1;
      } else if ((e === 'p' || e === 'P') && p[i + 1] !== '{' && p[i + 1] !== undefined) {
        out += `\\${e}{${p[i + 1]}}`;
        i++;
      } else if (/[!-/:-@[-`{-~]/.test(e)) out += `\\x${e.charCodeAt(0).toString(16).padStart(2, '0')}`;
      else out += '\\' + e;
      continue;
    }
    if (inClass) {
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(p.slice(i));
      if (posix) {
        const set = Object.hasOwn(POSIX, posix[2]!) ? POSIX[posix[2]!] : undefined;
        if (set === undefined || posix[1]) throw new Error(`invalid character class range: ${posix[0]}`);
        out += set;
        i += posix[0].length - 1;
        continue;
      }
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (p[i + 1] === '^') out += p[++i];
      if (p[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    // Go takes a brace that starts or ends no repetition, and a lone ], literally; JS (with u) rejects them.
    if (c === '{') {
      openRepeat = /^\{[0-9]+(?:,[0-9]*)?\}/.test(p.slice(i));
      out += openRepeat ? c : '\\{';
      continue;
    }
    if (c === '}' || c === ']') {
      out += c === '}' && openRepeat ? c : '\\' + c;
      openRepeat = false;
      continue;
    }
    if (c === '(' && p[i + 1] === '?') {
      if (p.startsWith('(?P<', i)) {
        out += '(?<';
        i += 3;
        continue;
      }
      if (p[i + 2] !== ':' && p[i + 2] !== '<')
        throw new Error(`unsupported group ${JSON.stringify(p.slice(i, i + 4))}`);
    }
    out += c;
  }
  return { source: out, flags };
}

const cache = new Map<string, RegExp>();

/** The RegExp for a Go pattern (with the g flag; callers set lastIndex). Throws "error parsing regexp: ...". */
export function compileRegex(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re) return re;
  try {
    const { source, flags } = translateRegex(pattern);
    re = new RegExp(source, flags + 'gu');
  } catch (e) {
    throw new Error(`error parsing regexp: ${(e as Error).message}: ${JSON.stringify(pattern)}`);
  }
  if (cache.size >= 256) cache.delete(cache.keys().next().value!);
  cache.set(pattern, re);
  return re;
}

export function regexMatch(pattern: string, text: string): boolean {
  const re = compileRegex(pattern);
  re.lastIndex = 0;
  return re.exec(text) !== null;
}

/** Go's Regexp.Expand template: $1, ${1}, $name, ${name}, $$. */
function expand(repl: string, m: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < repl.length; i++) {
    const c = repl[i]!;
    if (c !== '$') {
      out += c;
      continue;
    }
    if (repl[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string | undefined;
    let len = 0;
    const braced = /^\{([A-Za-z0-9_]+)\}/.exec(repl.slice(i + 1));
    const bare = /^[A-Za-z0-9_]+/.exec(repl.slice(i + 1));
    if (braced) [name, len] = [braced[1], braced[0].length];
    else if (bare) [name, len] = [bare[0], bare[0].length];
    if (name === undefined) {
      out += '$';
      continue;
    }
    i += len;
    if (/^[0-9]+$/.test(name)) out += m[Number(name)] ?? '';
    else out += (m.groups && Object.hasOwn(m.groups, name) ? m.groups[name] : undefined) ?? '';
  }
  return out;
}

/** Go's Regexp.ReplaceAllString, including its handling of empty matches. */
export function regexReplaceAll(pattern: string, repl: string, src: string, maxLength: number): string {
  const re = compileRegex(pattern);
  let out = '';
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= src.length) {
    re.lastIndex = searchPos;
    const m = re.exec(src);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    out += src.slice(lastMatchEnd, start);
    if (end > lastMatchEnd || start === 0) out += expand(repl, m);
    if (out.length > maxLength) throw new Error(`result longer than ${maxLength} characters`);
    lastMatchEnd = end;
    const cp = src.codePointAt(searchPos);
    const width = cp === undefined ? 0 : cp > 0xffff ? 2 : 1;
    if (searchPos + width > end) searchPos += width;
    else if (searchPos + 1 > end) searchPos++;
    else searchPos = end;
  }
  return out + src.slice(lastMatchEnd);
}
