import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTemplateSet, plainData } from '../../../src/notify/template/index.js';

/* printf, against Go's fmt documentation (https://pkg.go.dev/fmt). */

const set = createTemplateSet();
const render = (text: string, data: unknown = {}) => set.compile(text, 'test').execute(plainData(data));

describe('printf', () => {
  it.each([
    ['{{ printf "%s|%v|%d" "x" "y" 42 }}', 'x|y|42'],
    ['{{ printf "%5d|%-5d|%05d|%05d|%+d|% d" 42 42 42 -42 5 5 }}', '   42|42   |00042|-0042|+5| 5'],
    ['{{ printf "%x|%X|%#x|%o|%#o|%O|%b|%x" 255 255 255 8 8 8 5 -255 }}', 'ff|FF|0xff|10|010|0o10|101|-ff'],
    ['{{ printf "%c|%q|%U" 65 65 128512 }}', "A|'A'|U+1F600"],
    [
      '{{ printf "%f|%.2f|%8.3f|%-8.1f|" 3.14159 3.14159 3.14159 3.14159 }}',
      '3.141590|3.14|   3.142|3.1     |',
    ],
    ['{{ printf "%.2f" 2 }}', '%!f(int=2)'],
    ['{{ printf "%e|%E|%.3e" 1234.5678 1234.5678 0.5 }}', '1.234568e+03|1.234568E+03|5.000e-01'],
    [
      '{{ printf "%g|%g|%.3g|%g|%G" 1234.5678 0.00001 1234.5678 100000.0 1e-7 }}',
      '1234.5678|1e-05|1.23e+03|100000|1E-07',
    ],
    ['{{ printf "%v|%v|%v|%v" 1e21 100000.0 1000000.0 0.1 }}', '1e+21|100000|1e+06|0.1'],
    // Rounding is half to even on the float's exact value.
    ['{{ printf "%.0f|%.0f|%.0f|%.1f|%.1f|%.2f" 0.5 1.5 2.5 0.25 0.35 1.005 }}', '0|2|2|0.2|0.3|1.00'],
    ['{{ printf "%.1f|%.0f" 0.96 99.5 }}', '1.0|100'],
    ['{{ printf "%6.2f%%" 99.5 }}', ' 99.50%'],
    ['{{ printf "%t|%v" true false }}', 'true|false'],
    ['{{ printf "%q|%q|%+q|%#q" "a\\"b\\n" "é" "é" "raw" }}', '"a\\"b\\n"|"é"|"\\u00e9"|`raw`'],
    ['{{ printf "%x|%X|% x|%#x|%# X" "hi" "hi" "hi" "hi" "hi" }}', '6869|6869|68 69|0x6869|0X68 0X69'],
    ['{{ printf "%10s|%-4s|%.2s|%5.1s|" "hi" "é" "abc" "xyz" }}', '        hi|é   |ab|    x|'],
    ['{{ printf "%T|%T|%T|%T|%T" 1 "s" 1.5 true .l }}', 'int|string|float64|bool|[]string'],
    ['{{ printf "%v|%s|%q" .l .l .l }}', '[a b]|[a b]|["a" "b"]'],
    ['{{ printf "%v|%d" .m .n }}', 'map[a:1 b:2]|[1 2]'],
    ['{{ printf "%*d|%-*d|" 5 42 4 7 }}', '   42|7   |'],
    ['{{ printf "%s" 5 }}', '%!s(int=5)'],
    ['{{ printf "%d" "x" }}', '%!d(string=x)'],
    ['{{ printf "%d %d" 1 }}', '1 %!d(MISSING)'],
    ['{{ printf "%d" 1 2 "x" }}', '1%!(EXTRA int=2, string=x)'],
    ['{{ printf "%z" 1 }}', '%!z(int=1)'],
    ['{{ printf "100%" }}', '100%!(NOVERB)'],
    ['{{ printf "%s|%v" nil nil }}', '%!s(<nil>)|<nil>'],
    ['{{ printf "%t" 1 }}', '%!t(int=1)'],
    ['{{ printf "no verbs" }}', 'no verbs'],
  ])('%s', (text, expected) => {
    expect(render(text, { l: ['a', 'b'], m: { b: '2', a: '1' }, n: [1, 2] })).toBe(expected);
  });

  it('treats absurd widths and precisions as Go does', () => {
    // A width or precision that passes 1e6 while being read ends the format.
    expect(render('{{ printf "%100000000d" 1 }}')).toBe('%!(NOVERB)%!(EXTRA int=1)');
    expect(render('{{ printf "%.100000000f" 1.0 }}')).toBe('%!(NOVERB)%!(EXTRA float64=1)');
    expect(render('{{ printf "%*d|%.*f" 2000000 1 -1 2.0 }}')).toBe('%!(BADWIDTH)1|%!(BADPREC)2.000000');
  });

  it('%d of any int prints it in decimal', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(render('{{ printf "%d" .n }}', { n })).toBe(String(n));
      }),
    );
  });

  it('%v of a float prints digits that read back to the same float', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (v) => {
        fc.pre(!Number.isInteger(v));
        expect(Number(render('{{ .v }}', { v }))).toBe(v);
      }),
    );
  });
});
