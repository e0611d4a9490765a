import { exceedsBytes, MAX_PAYLOAD_BYTES } from '../../lambda/engine/limits';

const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

describe('exceedsBytes', () => {
  it('agrees with the serialised size just under and just over the limit', () => {
    const under = { s: 'a'.repeat(MAX_PAYLOAD_BYTES - 10) };
    const over = { s: 'a'.repeat(MAX_PAYLOAD_BYTES) };
    expect(bytes(under)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    expect(exceedsBytes(under)).toBe(false);
    expect(exceedsBytes(over)).toBe(true);
  });

  it('counts multi-byte characters as UTF-8 bytes', () => {
    const s = '€'.repeat(90_000); // 3 bytes each: 270 KB
    expect(bytes(s)).toBeGreaterThan(MAX_PAYLOAD_BYTES);
    expect(exceedsBytes(s)).toBe(true);
    expect(exceedsBytes('€'.repeat(80_000))).toBe(false);
  });

  it('does not take many small numbers for a large payload', () => {
    const digits = new Array(60_000).fill(7); // "7," each: about 120 KB
    expect(exceedsBytes(digits)).toBe(false);
    const big = new Array(60_000).fill(123456.789); // about 660 KB
    expect(exceedsBytes(big)).toBe(true);
  });

  it('measures shared subtrees again correctly when reused in a larger value', () => {
    const part = { list: new Array(1000).fill('x'.repeat(100)) }; // ~104 KB
    expect(exceedsBytes(part)).toBe(false);
    expect(exceedsBytes({ a: part, b: part })).toBe(false);
    expect(exceedsBytes({ a: part, b: part, c: part })).toBe(true);
  });
});
