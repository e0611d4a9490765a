import { failureTolerated } from '../../lambda/engine/tolerance';

describe('failureTolerated (the Map failure-tolerance rule)', () => {
  it('tolerates no failure, whatever the item count, even with no threshold set (an empty Map never fails for it)', () => {
    expect(failureTolerated(0, 0, {})).toBe(true);
    expect(failureTolerated(0, 0, { percentage: 0 })).toBe(true);
    expect(failureTolerated(0, 5, {})).toBe(true);
  });

  it('fails on the first failure when neither threshold is set', () => {
    expect(failureTolerated(1, 100, {})).toBe(false);
  });

  it('tolerates failures up to and including ToleratedFailureCount', () => {
    expect(failureTolerated(2, 10, { count: 2 })).toBe(true);
    expect(failureTolerated(3, 10, { count: 2 })).toBe(false);
    expect(failureTolerated(1, 10, { count: 0 })).toBe(false);
  });

  it('tolerates failures up to and including ToleratedFailurePercentage of the item count', () => {
    expect(failureTolerated(1, 4, { percentage: 25 })).toBe(true);
    expect(failureTolerated(2, 4, { percentage: 25 })).toBe(false);
    expect(failureTolerated(3, 10, { percentage: 30 })).toBe(true);
    expect(failureTolerated(10, 10, { percentage: 100 })).toBe(true);
  });

  it('compares fractional percentages without rounding them', () => {
    // 1 of 3 is 33.33...%
    expect(failureTolerated(1, 3, { percentage: 33.3 })).toBe(false);
    expect(failureTolerated(1, 3, { percentage: 33.34 })).toBe(true);
    expect(failureTolerated(1, 3, { percentage: 100 / 3 })).toBe(true);
  });

  it('goes on when either threshold is met', () => {
    expect(failureTolerated(3, 10, { count: 1, percentage: 30 })).toBe(true);
    expect(failureTolerated(3, 10, { count: 3, percentage: 0 })).toBe(true);
    expect(failureTolerated(4, 10, { count: 3, percentage: 30 })).toBe(false);
  });

  it('never tolerates failures of a Map with no items (no division by zero)', () => {
    expect(failureTolerated(1, 0, { percentage: 100 })).toBe(false);
  });
});
