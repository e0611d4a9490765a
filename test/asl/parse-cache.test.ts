/** The parse cache is bounded and drops the least recently used text first (it used to drop everything at the limit). */
import { parseCache } from '../../lambda/asl/parse-cache';

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
