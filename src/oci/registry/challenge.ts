/**
 * `WWW-Authenticate` challenges (RFC 7235) as registries send them:
 * `Bearer realm="https://auth/token",service="registry",scope="repository:a:pull"` or
 * `Basic realm="..."`. Pure parser; quoted strings may contain commas and escapes.
 */
import { AirlockError } from '../../common/errors.ts';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

const MAX_HEADER = 8192;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

export function parseChallenges(header: string, source: string): Challenge[] {
  if (header.length > MAX_HEADER) throw new AirlockError('BAD_INPUT', `${source}: WWW-Authenticate header longer than ${MAX_HEADER} characters`);
  const out: Challenge[] = [];
  let s = header.trim();
  let current: Challenge | undefined;
  while (s.length > 0) {
    const m = TOKEN.exec(s);
    if (!m) throw new AirlockError('BAD_INPUT', `${source}: malformed WWW-Authenticate header "${header.slice(0, 200)}"`);
    const word = m[0];
    s = s.slice(word.length).trimStart();
    if (s.startsWith('=')) {
      if (!current) throw new AirlockError('BAD_INPUT', `${source}: WWW-Authenticate parameter before any scheme`);
      s = s.slice(1).trimStart();
      let value = '';
      if (s.startsWith('"')) {
        let i = 1;
        for (; i < s.length && s[i] !== '"'; i++) {
          if (s[i] === '\\' && i + 1 < s.length) i++;
          value += s[i];
        }
        if (i >= s.length) throw new AirlockError('BAD_INPUT', `${source}: unterminated quoted string in WWW-Authenticate`);
        s = s.slice(i + 1);
      } else {
        const v = TOKEN.exec(s);
        value = v ? v[0] : '';
        s = s.slice(value.length);
      }
      current.params[word.toLowerCase()] = value;
    } else {
      current = { scheme: word.toLowerCase(), params: {} };
      out.push(current);
    }
    s = s.trimStart();
    if (s.startsWith(',')) s = s.slice(1).trimStart();
  }
  return out;
}
