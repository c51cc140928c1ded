/**
 * Kubernetes quantities (`resource.ParseQuantity`) and Go durations (`time.ParseDuration`),
 * the two number forms Kyverno tries before comparing strings. Both are small grammars,
 * parsed here by hand because no npm package follows the Go/Kubernetes rules exactly.
 * Values are returned as floats: precise enough for ordering, which is all Kyverno uses.
 */
const SUFFIX: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/;

/** Parses a Kubernetes quantity; undefined when the text is not one. */
export function parseQuantity(text: string): number | undefined {
  if (text.length === 0 || text.length > 64) return undefined;
  const m = QUANTITY.exec(text);
  if (!m) return undefined;
  const base = Number(m[1]);
  if (m[2]) return Number(`${m[1]}${m[2]}`);
  return base * (SUFFIX[m[3] ?? ''] ?? 1);
}

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Parses a Go duration ("1h30m", "300ms", "0"); nanoseconds, or undefined. */
export function parseDuration(text: string): number | undefined {
  if (text.length === 0 || text.length > 64) return undefined;
  let s = text;
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  DURATION_PART.lastIndex = 0;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    DURATION_PART.lastIndex = pos;
    const m = DURATION_PART.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * (UNIT_NS[m[2] ?? ''] ?? 0);
    pos = DURATION_PART.lastIndex;
  }
  return sign * total;
}

/** Go's `fmt.Sprintf("%f", v)`. */
export const goFloatF = (v: number): string => v.toFixed(6);

/** Go's `strconv.FormatFloat(v, 'E', -1, 64)`, e.g. 80 -> "8E+01". */
export function goFloatE(v: number): string {
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN';
  const [mant, exp] = v.toExponential().split('e');
  const e = Number(exp);
  const digits = Math.abs(e) < 10 ? `0${Math.abs(e)}` : String(Math.abs(e));
  return `${(mant ?? '').toUpperCase()}E${e < 0 ? '-' : '+'}${digits}`;
}

/**
 * Go's `fmt.Sprint` of a float64 (`%v`, i.e. strconv 'g' with the shortest precision):
 * exponent form when the decimal exponent is below -4 or at least 6, so 1234567 prints
 * as "1.234567e+06" and 1e-05 as "1e-05"; otherwise the plain shortest form.
 */
export function goFloatG(v: number): string {
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mant, exp] = v.toExponential().split('e');
  const e = Number(exp);
  if (e < -4 || e >= 6) return `${mant}e${e < 0 ? '-' : '+'}${Math.abs(e) < 10 ? '0' : ''}${Math.abs(e)}`;
  return String(v);
}
