/**
 * Kyverno's scalar pattern comparison (`pkg/engine/pattern/pattern.go`,
 * `pkg/engine/operator/operator.go`): typed equality for bool/number/null patterns;
 * for string patterns `|` (or), `&` (and), the operators `>=`, `<=`, `>`, `<`, `!`,
 * ranges `a-b` / `a!-b`, tried as Go duration, then Kubernetes quantity, then wildcard.
 */
import { goFloatE, goFloatF, parseDuration, parseQuantity } from './quantity.ts';
import { wildcardMatch } from './wildcard.ts';

type Op = '=' | '!' | '>' | '<' | '>=' | '<=' | 'range' | '!range';

const IN_RANGE = /^([-|+]?\d+(?:\.\d+)?[A-Za-z]*)-([-|+]?\d+(?:\.\d+)?[A-Za-z]*)$/;
const NOT_IN_RANGE = /^([-|+]?\d+(?:\.\d+)?[A-Za-z]*)!-([-|+]?\d+(?:\.\d+)?[A-Za-z]*)$/;

export function operatorOf(pattern: string): Op {
  if (pattern.length < 2) return '=';
  if (pattern.startsWith('>=')) return '>=';
  if (pattern.startsWith('<=')) return '<=';
  if (pattern[0] === '>') return '>';
  if (pattern[0] === '<') return '<';
  if (pattern[0] === '!') return '!';
  if (IN_RANGE.test(pattern)) return 'range';
  if (NOT_IN_RANGE.test(pattern)) return '!range';
  return '=';
}

const isMap = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates one resource value against one scalar pattern (pattern.Validate). */
export function validateScalar(value: unknown, pattern: unknown): boolean {
  if (typeof pattern === 'boolean') return typeof value === 'boolean' && value === pattern;
  if (typeof pattern === 'number') {
    if (typeof value === 'number') return value === pattern;
    if (typeof value === 'string') {
      const t = value.trim();
      if (t !== value || t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|infinity|nan)$/i.test(t)) return false;
      return Number(t) === pattern;
    }
    return false;
  }
  if (pattern === null || pattern === undefined) {
    if (value === null || value === undefined) return true;
    if (typeof value === 'number') return value === 0;
    if (typeof value === 'string') return value === '';
    if (typeof value === 'boolean') return !value;
    return false;
  }
  if (isMap(pattern)) return isMap(value);
  if (typeof pattern === 'string') return validateStringPatterns(value, pattern);
  return false;
}

function validateStringPatterns(value: unknown, pattern: string): boolean {
  if (value === pattern) return true;
  for (const alt of pattern.split('|')) {
    const trimmed = trimSpaces(alt);
    if (trimmed.split('&').every((c) => validateStringPattern(value, trimSpaces(c)))) return true;
  }
  return false;
}

const trimSpaces = (s: string): string => s.replace(/^ +| +$/g, '');

function validateStringPattern(value: unknown, pattern: string): boolean {
  const op = operatorOf(pattern);
  if (op === 'range') {
    const ends = pattern.split('-');
    return validateStringPattern(value, `>= ${ends[0]}`) && validateStringPattern(value, `<= ${ends[1]}`);
  }
  if (op === '!range') {
    const ends = pattern.split('!-');
    return validateStringPattern(value, `< ${ends[0]}`) || validateStringPattern(value, `> ${ends[1]}`);
  }
  const rest = pattern.slice(op === '=' ? 0 : op.length).trim();
  return compareDuration(value, rest, op) || compareQuantity(value, rest, op) || compareString(value, rest, op);
}

function numberToString(value: unknown): string | undefined {
  if (value === null || value === undefined) return '0';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return goFloatF(value);
  return undefined;
}

function cmpResult(result: number, op: Op): boolean {
  switch (op) {
    case '=':
      return result === 0;
    case '!':
      return result !== 0;
    case '>':
      return result > 0;
    case '<':
      return result < 0;
    case '>=':
      return result >= 0;
    case '<=':
      return result <= 0;
    default:
      return false;
  }
}

function compareWith(parse: (s: string) => number | undefined, value: unknown, pattern: string, op: Op): boolean {
  const p = parse(pattern);
  if (p === undefined) return false;
  const vs = numberToString(value);
  if (vs === undefined) return false;
  const v = parse(vs);
  if (v === undefined) return false;
  return cmpResult(v === p ? 0 : v < p ? -1 : 1, op);
}

const compareDuration = (value: unknown, pattern: string, op: Op): boolean => compareWith(parseDuration, value, pattern, op);
const compareQuantity = (value: unknown, pattern: string, op: Op): boolean => compareWith(parseQuantity, value, pattern, op);

function compareString(value: unknown, pattern: string, op: Op): boolean {
  if (op !== '=' && op !== '!') return false;
  let s: string;
  if (typeof value === 'string') s = value;
  else if (typeof value === 'number') s = goFloatE(value);
  else if (typeof value === 'boolean') s = String(value);
  else return false;
  const m = wildcardMatch(pattern, s);
  return op === '!' ? !m : m;
}
