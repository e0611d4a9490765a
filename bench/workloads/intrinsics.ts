/**
 * Workload 2: one Pass state whose Parameters call many intrinsic functions (JSONPath), some nested.
 */
import { createHash } from 'node:crypto';
import type { Workload } from './types';

const input = {
  user: { name: 'Grace', id: 42, roles: ['admin', 'dev'] },
  count: 7,
  offset: -3,
  csv: 'alpha,beta,gamma,delta,epsilon',
  userJson: '{"name":"Grace","id":42,"active":true}',
  list: [1, 2, 3, 4, 5, 6, 7, 8],
};

type Input = typeof input;

export const intrinsics: Workload = {
  key: 'intrinsics',
  title: 'intrinsic-heavy Pass',
  input,
  definition: {
    StartAt: 'Compute',
    States: {
      Compute: {
        Type: 'Pass',
        Parameters: {
          'greeting.$': "States.Format('Hello {}, you are user {} with {} items', $.user.name, $.user.id, $.count)",
          'tuple.$': 'States.Array($.user.name, $.count, $.user.roles)',
          'sum.$': 'States.MathAdd($.count, $.offset)',
          'parts.$': "States.StringSplit($.csv, ',')",
          'partCount.$': "States.ArrayLength(States.StringSplit($.csv, ','))",
          'userText.$': 'States.JsonToString($.user)',
          'parsed.$': 'States.StringToJson($.userJson)',
          'roundTrip.$': 'States.StringToJson(States.JsonToString($.user))',
          'listLength.$': 'States.ArrayLength($.list)',
          'next.$': 'States.MathAdd(States.ArrayLength($.list), 1)',
          'hash.$': "States.Hash($.csv, 'SHA-256')",
          'tag.$': "States.Format('{}-{}', $.user.name, States.Hash($.user.name, 'MD5'))",
        },
        ResultPath: '$.out',
        End: true,
      },
    },
  },
  handWritten(raw) {
    const i = raw as Input;
    const split = (s: string) => s.split(',').filter((p) => p.length > 0);
    const out = {
      greeting: `Hello ${i.user.name}, you are user ${i.user.id} with ${i.count} items`,
      tuple: [i.user.name, i.count, i.user.roles],
      sum: i.count + i.offset,
      parts: split(i.csv),
      partCount: split(i.csv).length,
      userText: JSON.stringify(i.user),
      parsed: JSON.parse(i.userJson),
      roundTrip: JSON.parse(JSON.stringify(i.user)),
      listLength: i.list.length,
      next: i.list.length + 1,
      hash: createHash('sha256').update(i.csv).digest('hex'),
      tag: `${i.user.name}-${createHash('md5').update(i.user.name).digest('hex')}`,
    };
    return { ...i, out };
  },
};
