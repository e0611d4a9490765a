/**
 * Workload 3: an inline Map over 1,000 items, ItemSelector with $$.Map.Item and a field of the Map's
 * input, each item a Pass with Parameters and ResultPath (JSONPath).
 */
import type { Workload } from './types';

export const MAP_ITEMS = 1000;

const items = Array.from({ length: MAP_ITEMS }, (_, i) => ({
  id: i,
  name: `item-${String(i).padStart(4, '0')}`,
  price: Math.round(i * 1.37 * 100) / 100,
  tags: i % 2 ? ['odd', 'blue'] : ['even', 'red'],
}));
const input = { batch: 'b-2024-11', currency: 'EUR', items };

type Input = typeof input;

export const map1000: Workload = {
  key: 'map',
  title: `inline Map, ${MAP_ITEMS} Pass items`,
  input,
  definition: {
    StartAt: 'EachItem',
    States: {
      EachItem: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemSelector: {
          'index.$': '$$.Map.Item.Index',
          'id.$': '$$.Map.Item.Value.id',
          'label.$': '$$.Map.Item.Value.name',
          'price.$': '$$.Map.Item.Value.price',
          'currency.$': '$.currency',
        },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'Price',
          States: {
            Price: {
              Type: 'Pass',
              Parameters: { 'amount.$': '$.price', 'unit.$': '$.currency' },
              ResultPath: '$.money',
              End: true,
            },
          },
        },
        ResultPath: '$.priced',
        End: true,
      },
    },
  },
  handWritten(raw) {
    const i = raw as Input;
    const priced = i.items.map((item, index) => {
      const selected = { index, id: item.id, label: item.name, price: item.price, currency: i.currency };
      return { ...selected, money: { amount: selected.price, unit: selected.currency } };
    });
    return { ...i, priced };
  },
};

/** Bytes of the items' data as JSON: the unit for the Map's memory figure. */
export function itemsJsonBytes(): number {
  return Buffer.byteLength(JSON.stringify(items));
}
