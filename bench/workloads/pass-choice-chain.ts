/**
 * Workload 1: a chain of 10 states (7 Pass, 2 Choice, 1 Succeed on the path taken; 13 defined), JSONPath.
 * Pass states reshape fields with Parameters `.$` keys and place them with ResultPath; the Choice
 * states branch on numeric fields (one also on a string, under And).
 */
import type { Workload } from './types';

const input = {
  order: {
    id: 'o-1234',
    customer: { name: 'Ada Lovelace', tier: 'gold', since: 2019 },
    items: [
      { sku: 'A-1', qty: 2, price: 3.5 },
      { sku: 'B-7', qty: 1, price: 10 },
      { sku: 'C-3', qty: 4, price: 1.25 },
    ],
    total: 22,
  },
  meta: { source: 'web', region: 'eu-west-1' },
};

type Input = typeof input;

export const passChoiceChain: Workload = {
  key: 'chain',
  title: '10-state Pass/Choice chain',
  input,
  definition: {
    StartAt: 'Normalize',
    States: {
      Normalize: {
        Type: 'Pass',
        Parameters: {
          'id.$': '$.order.id',
          'customer.$': '$.order.customer.name',
          'tier.$': '$.order.customer.tier',
          'total.$': '$.order.total',
          'items.$': '$.order.items',
          'itemCount': 3,
        },
        ResultPath: '$.norm',
        Next: 'BySize',
      },
      BySize: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.norm.total', NumericGreaterThanEquals: 100, Next: 'Large' },
          { Variable: '$.norm.total', NumericGreaterThan: 10, Next: 'Medium' },
        ],
        Default: 'Small',
      },
      Large: { Type: 'Pass', Parameters: { size: 'L', 'total.$': '$.norm.total' }, ResultPath: '$.class', Next: 'ByTier' },
      Medium: { Type: 'Pass', Parameters: { size: 'M', 'total.$': '$.norm.total' }, ResultPath: '$.class', Next: 'ByTier' },
      Small: { Type: 'Pass', Parameters: { size: 'S', 'total.$': '$.norm.total' }, ResultPath: '$.class', Next: 'ByTier' },
      ByTier: {
        Type: 'Choice',
        Choices: [
          {
            And: [
              { Variable: '$.norm.tier', StringEquals: 'gold' },
              { Variable: '$.class.total', NumericGreaterThan: 5 },
            ],
            Next: 'Discount',
          },
        ],
        Default: 'NoDiscount',
      },
      Discount: { Type: 'Pass', Parameters: { pct: 10, 'base.$': '$.class.total', 'who.$': '$.norm.customer' }, ResultPath: '$.discount', Next: 'Summarize' },
      NoDiscount: { Type: 'Pass', Parameters: { pct: 0, 'base.$': '$.class.total', 'who.$': '$.norm.customer' }, ResultPath: '$.discount', Next: 'Summarize' },
      Summarize: {
        Type: 'Pass',
        Parameters: {
          'orderId.$': '$.norm.id',
          'size.$': '$.class.size',
          'discount.$': '$.discount',
          'firstSku.$': '$.norm.items[0].sku',
          'source.$': '$.meta.source',
        },
        ResultPath: '$.summary',
        Next: 'Tag',
      },
      Tag: { Type: 'Pass', Result: { reviewed: true, by: 'bench' }, ResultPath: '$.summary.tag', Next: 'Stamp' },
      Stamp: { Type: 'Pass', Parameters: { 'region.$': '$.meta.region', 'count.$': '$.norm.itemCount' }, ResultPath: '$.summary.where', Next: 'Shape' },
      Shape: {
        Type: 'Pass',
        Parameters: { 'summary.$': '$.summary', 'lines.$': '$.norm.items', 'customer.$': '$.order.customer' },
        ResultPath: '$',
        Next: 'Done',
      },
      Done: { Type: 'Succeed', OutputPath: '$.summary' },
    },
  },
  handWritten(raw) {
    const i = raw as Input;
    // Normalize
    const norm = { id: i.order.id, customer: i.order.customer.name, tier: i.order.customer.tier, total: i.order.total, items: i.order.items, itemCount: 3 };
    let s: Record<string, unknown> = { ...i, norm };
    // BySize + Large/Medium/Small
    const size = norm.total >= 100 ? 'L' : norm.total > 10 ? 'M' : 'S';
    const cls = { size, total: norm.total };
    s = { ...s, class: cls };
    // ByTier + Discount/NoDiscount
    const discount = { pct: norm.tier === 'gold' && cls.total > 5 ? 10 : 0, base: cls.total, who: norm.customer };
    s = { ...s, discount };
    // Summarize, Tag, Stamp
    const summary: Record<string, unknown> = { orderId: norm.id, size: cls.size, discount, firstSku: norm.items[0].sku, source: i.meta.source };
    s = { ...s, summary: { ...summary, tag: { reviewed: true, by: 'bench' } } };
    s = { ...s, summary: { ...(s.summary as object), where: { region: i.meta.region, count: norm.itemCount } } };
    // Shape, Done (OutputPath $.summary)
    const shaped = { summary: s.summary, lines: norm.items, customer: i.order.customer };
    return shaped.summary;
  },
};
