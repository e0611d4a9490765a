/** The parse cache is bounded and drops the least recently used text first (it used to drop everything at the limit). */
import { hotFront, parseCache } from '../../lambda/asl/parse-cache';

it('parses each text once, keeps at most `limit`, and evicts the least recently used', () => {
  const parsed: string[] = [];
  const parse = parseCache((text) => (parsed.push(text), { text }), 2);
  const a = parse('a');
  parse('b');
  expect(parse('a')).toBe(a); // cached, and now the most recently used
  parse('c'); // evicts b, not a
  expect(parse('a')).toBe(a);
  parse('b');
  expect(parsed).toEqual(['a', 'b', 'c', 'b']);
});

it('hotFront answers repeated texts without the cache behind it, stays bounded, and keeps no failure', () => {
  const looked: string[] = [];
  const lookup = hotFront((text: string) => {
    looked.push(text);
    if (text === 'bad') throw new Error('bad syntax');
    return { text };
  }, 2);
  const a = lookup('a');
  expect(lookup('a')).toBe(a);
  lookup('b');
  lookup('c'); // the front was full: emptied, then holds c
  expect(lookup('c')).toEqual({ text: 'c' });
  lookup('a'); // asked of the cache behind again
  expect(() => lookup('bad')).toThrow('bad syntax');
  expect(() => lookup('bad')).toThrow('bad syntax');
  expect(looked).toEqual(['a', 'b', 'c', 'a', 'bad', 'bad']);
});
