/**
 * The list indexes after sharding (issue #16 item 7): sharding changes the values of the index keys
 * (`SMEX#<arn>#<shard>`), not the indexes, so the deployed table keeps its logical id, its index names
 * and key attributes, and an update of a deployed stack replaces nothing.
 */
import { buildStack, resource } from './helpers';

/** The id the stack had before the shards (construct path Test/Engine/Table), unchanged. */
const EXPECTED_TABLE_ID = 'EngineTable7C36AEC6';
const { template } = buildStack();
const table = resource(template, 'AWS::DynamoDB::Table', 'EngineTable');

test('the table keeps its logical id (a new id would replace the table and its data)', () => {
  expect(table.id).toBe(EXPECTED_TABLE_ID);
});

test('gsi1 and gsi2 keep their names and string key attributes', () => {
  const gsis = table.props.GlobalSecondaryIndexes as { IndexName: string; KeySchema: unknown[] }[];
  expect(gsis.map((g) => [g.IndexName, g.KeySchema]).sort()).toEqual([
    ['gsi1', [{ AttributeName: 'gsi1pk', KeyType: 'HASH' }, { AttributeName: 'gsi1sk', KeyType: 'RANGE' }]],
    ['gsi2', [{ AttributeName: 'gsi2pk', KeyType: 'HASH' }, { AttributeName: 'gsi2sk', KeyType: 'RANGE' }]],
  ]);
  const types = Object.fromEntries((table.props.AttributeDefinitions as { AttributeName: string; AttributeType: string }[]).map((a) => [a.AttributeName, a.AttributeType]));
  expect(types).toEqual({ pk: 'S', sk: 'S', gsi1pk: 'S', gsi1sk: 'S', gsi2pk: 'S', gsi2sk: 'S' });
});
