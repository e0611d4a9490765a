/**
 * Map states: the item processor (ItemProcessor, or the older Iterator) is a nested state machine; the
 * items come from ItemsPath (JSONPath), Items (JSONata) or an ItemReader; each item is reshaped by
 * ItemSelector (or the older Parameters); concurrency and failure tolerance are numbers or "...Path"s.
 */
import type { StateContext } from './context';
import { checkAllowedFields } from './context';
import { checkTemplateObject } from './dataflow';
import { REFERENCE_PATH_RULES } from './jsonpath';
import { describeType, has, isObject, type Path } from './report';
import { checkExclusive, checkNumberSetting } from './settings';
import { checkJsonataExpression, checkJsonataTemplate, checkNonEmptyString, checkNumberOrJsonata, checkPathField } from './values';
import { isJsonataExpression } from '../jsonata';

const PROCESSOR_MODES = ['INLINE', 'DISTRIBUTED'];
const EXECUTION_TYPES = ['STANDARD', 'EXPRESS'];
/** AWS: a Map Run label is at most 40 characters. */
const MAX_LABEL_LENGTH = 40;
/** AWS: a batch is at most 256 KiB of input. */
const MAX_BATCH_BYTES = 262144;

export function checkMapState(sc: StateContext): void {
  checkProcessor(sc);
  checkExclusive(sc, [
    ['ItemSelector', 'Parameters'],
    ['MaxConcurrency', 'MaxConcurrencyPath'],
    ['ToleratedFailureCount', 'ToleratedFailureCountPath'],
    ['ToleratedFailurePercentage', 'ToleratedFailurePercentagePath'],
  ]);
  checkItemSource(sc);
  checkItemSelector(sc);
  checkNumberSetting(sc, 'MaxConcurrency', { integer: true, min: 0 });
  checkNumberSetting(sc, 'ToleratedFailureCount', { integer: true, min: 0 });
  checkNumberSetting(sc, 'ToleratedFailurePercentage', { min: 0, max: 100 });
  if (has(sc.state, 'Label')) checkLabel(sc, [...sc.path, 'Label'], sc.state.Label);
  if (has(sc.state, 'ItemReader')) checkItemReader(sc, [...sc.path, 'ItemReader'], sc.state.ItemReader);
  if (has(sc.state, 'ItemBatcher')) checkItemBatcher(sc, [...sc.path, 'ItemBatcher'], sc.state.ItemBatcher);
  if (has(sc.state, 'ResultWriter')) checkResultWriter(sc, [...sc.path, 'ResultWriter'], sc.state.ResultWriter);
}

/** Exactly one of ItemProcessor / Iterator, each a state machine; ItemProcessor may carry a ProcessorConfig. */
function checkProcessor(sc: StateContext): void {
  const hasProcessor = has(sc.state, 'ItemProcessor');
  const hasIterator = has(sc.state, 'Iterator');
  if (hasProcessor && hasIterator) {
    sc.r.add(sc.path, '"ItemProcessor" and "Iterator" are mutually exclusive (Iterator is the older name of ItemProcessor)');
  } else if (!hasProcessor && !hasIterator) {
    sc.r.add(sc.path, 'missing required field "ItemProcessor"');
  }
  for (const field of ['ItemProcessor', 'Iterator']) {
    if (!has(sc.state, field)) continue;
    const path = [...sc.path, field];
    const processor = sc.state[field];
    if (isObject(processor) && has(processor, 'ProcessorConfig')) {
      checkProcessorConfig(sc, [...path, 'ProcessorConfig'], processor.ProcessorConfig);
    }
    sc.scope.def.validateNested(processor, path, 'processor', sc.language);
  }
}

/** Mode INLINE (the default) or DISTRIBUTED; a DISTRIBUTED processor names its ExecutionType. */
function checkProcessorConfig(sc: StateContext, path: Path, config: unknown): void {
  if (!isObject(config)) {
    sc.r.add(path, `ProcessorConfig must be an object, not ${describeType(config)}`);
    return;
  }
  checkAllowedFields(sc.r, path, config, { Mode: 'both', ExecutionType: 'both' }, 'ProcessorConfig', sc.language);
  if (has(config, 'Mode') && !PROCESSOR_MODES.includes(config.Mode as string)) {
    sc.r.add([...path, 'Mode'], `Mode must be "INLINE" or "DISTRIBUTED", not ${JSON.stringify(config.Mode)}`);
  }
  if (has(config, 'ExecutionType') && !EXECUTION_TYPES.includes(config.ExecutionType as string)) {
    sc.r.add([...path, 'ExecutionType'], `ExecutionType must be "STANDARD" or "EXPRESS", not ${JSON.stringify(config.ExecutionType)}`);
  }
  if (config.Mode === 'DISTRIBUTED' && !has(config, 'ExecutionType')) {
    sc.r.add(path, 'missing required field "ExecutionType" (required when Mode is DISTRIBUTED)');
  }
}

/** ItemsPath (JSONPath) or Items (JSONata: an array, an object or an expression); the wrong one was already reported. */
function checkItemSource(sc: StateContext): void {
  const { state, path } = sc;
  if (has(state, 'ItemsPath') && sc.language === 'JSONPath') {
    checkPathField(sc.r, [...path, 'ItemsPath'], state.ItemsPath, 'ItemsPath', REFERENCE_PATH_RULES);
  }
  if (has(state, 'Items') && sc.language === 'JSONata') {
    const items = state.Items;
    if (typeof items === 'string' && !isJsonataExpression(items)) {
      sc.r.add([...path, 'Items'], 'Items must be an array or a JSONata expression "{% ... %}", not a plain string');
    } else if (typeof items !== 'string' && !Array.isArray(items) && !isObject(items)) {
      sc.r.add([...path, 'Items'], `Items must be an array or a JSONata expression "{% ... %}", not ${describeType(items)}`);
    } else {
      checkJsonataTemplate(sc.r, [...path, 'Items'], items);
    }
  }
}

/** ItemSelector: a payload template in JSONPath; in JSONata an object or expression with `{% %}` strings. */
function checkItemSelector(sc: StateContext): void {
  if (!has(sc.state, 'ItemSelector')) return;
  const path = [...sc.path, 'ItemSelector'];
  const selector = sc.state.ItemSelector;
  if (sc.language === 'JSONPath') {
    checkTemplateObject(sc, path, selector, 'ItemSelector');
  } else if (typeof selector === 'string' && isJsonataExpression(selector)) {
    checkJsonataExpression(sc.r, path, selector);
  } else if (!isObject(selector)) {
    sc.r.add(path, `ItemSelector must be an object or a JSONata expression "{% ... %}", not ${describeType(selector)}`);
  } else {
    checkJsonataTemplate(sc.r, path, selector);
  }
}

function checkLabel(sc: StateContext, path: Path, label: unknown): void {
  if (!checkNonEmptyString(sc.r, path, label, 'Label')) return;
  if ([...label].length > MAX_LABEL_LENGTH) sc.r.add(path, `Label must be at most ${MAX_LABEL_LENGTH} characters`);
}

/** The parameters of a reader or writer: Parameters (a payload template) in JSONPath, Arguments in JSONata. */
function checkResourceParameters(sc: StateContext, path: Path, obj: Record<string, unknown>): void {
  if (has(obj, 'Parameters') && sc.language === 'JSONPath') checkTemplateObject(sc, [...path, 'Parameters'], obj.Parameters, 'Parameters');
  if (has(obj, 'Arguments') && sc.language === 'JSONata') checkJsonataTemplate(sc.r, [...path, 'Arguments'], obj.Arguments);
}

const RESOURCE_FIELDS = { Resource: 'both', Parameters: 'JSONPath', Arguments: 'JSONata' } as const;

/** ItemReader: Resource (required), Parameters/Arguments, ReaderConfig (MaxItems or MaxItemsPath, and reader options). */
function checkItemReader(sc: StateContext, path: Path, reader: unknown): void {
  if (!isObject(reader)) {
    sc.r.add(path, `ItemReader must be an object, not ${describeType(reader)}`);
    return;
  }
  checkAllowedFields(sc.r, path, reader, { ...RESOURCE_FIELDS, ReaderConfig: 'both' }, 'ItemReader', sc.language);
  if (has(reader, 'Resource')) checkNonEmptyString(sc.r, [...path, 'Resource'], reader.Resource, 'Resource');
  else sc.r.add(path, 'missing required field "Resource"');
  checkResourceParameters(sc, path, reader);
  if (!has(reader, 'ReaderConfig')) return;
  const configPath = [...path, 'ReaderConfig'];
  const config = reader.ReaderConfig;
  if (!isObject(config)) {
    sc.r.add(configPath, `ReaderConfig must be an object, not ${describeType(config)}`);
    return;
  }
  if (has(config, 'MaxItems') && has(config, 'MaxItemsPath')) sc.r.add(configPath, '"MaxItems" and "MaxItemsPath" are mutually exclusive');
  if (has(config, 'MaxItems')) {
    checkNumberOrJsonata(sc.r, [...configPath, 'MaxItems'], config.MaxItems, 'MaxItems', { integer: true, min: 0 }, sc.language);
  }
  if (has(config, 'MaxItemsPath')) {
    if (sc.language === 'JSONata') sc.r.add([...configPath, 'MaxItemsPath'], 'field "MaxItemsPath" is JSONPath-only and not supported when QueryLanguage is JSONata');
    else checkPathField(sc.r, [...configPath, 'MaxItemsPath'], config.MaxItemsPath, 'MaxItemsPath', REFERENCE_PATH_RULES);
  }
}

/** ItemBatcher: MaxItemsPerBatch(+Path), MaxInputBytesPerBatch(+Path), BatchInput. */
function checkItemBatcher(sc: StateContext, path: Path, batcher: unknown): void {
  if (!isObject(batcher)) {
    sc.r.add(path, `ItemBatcher must be an object, not ${describeType(batcher)}`);
    return;
  }
  const table = {
    MaxItemsPerBatch: 'both',
    MaxItemsPerBatchPath: 'JSONPath',
    MaxInputBytesPerBatch: 'both',
    MaxInputBytesPerBatchPath: 'JSONPath',
    BatchInput: 'both',
  } as const;
  checkAllowedFields(sc.r, path, batcher, table, 'ItemBatcher', sc.language);
  const limits: [string, { integer: boolean; min: number; max?: number }][] = [
    ['MaxItemsPerBatch', { integer: true, min: 1 }],
    ['MaxInputBytesPerBatch', { integer: true, min: 1, max: MAX_BATCH_BYTES }],
  ];
  for (const [field, rule] of limits) {
    const pathField = field + 'Path';
    if (has(batcher, field) && has(batcher, pathField)) sc.r.add(path, `"${field}" and "${pathField}" are mutually exclusive`);
    if (has(batcher, field)) checkNumberOrJsonata(sc.r, [...path, field], batcher[field], field, rule, sc.language);
    if (has(batcher, pathField) && sc.language === 'JSONPath') {
      checkPathField(sc.r, [...path, pathField], batcher[pathField], pathField, REFERENCE_PATH_RULES);
    }
  }
  if (has(batcher, 'BatchInput')) {
    if (sc.language === 'JSONPath') checkTemplateObject(sc, [...path, 'BatchInput'], batcher.BatchInput, 'BatchInput');
    else checkJsonataTemplate(sc.r, [...path, 'BatchInput'], batcher.BatchInput);
  }
}

/** ResultWriter: Resource with Parameters/Arguments, and/or WriterConfig. */
function checkResultWriter(sc: StateContext, path: Path, writer: unknown): void {
  if (!isObject(writer)) {
    sc.r.add(path, `ResultWriter must be an object, not ${describeType(writer)}`);
    return;
  }
  checkAllowedFields(sc.r, path, writer, { ...RESOURCE_FIELDS, WriterConfig: 'both' }, 'ResultWriter', sc.language);
  if (has(writer, 'Resource')) checkNonEmptyString(sc.r, [...path, 'Resource'], writer.Resource, 'Resource');
  if (!has(writer, 'Resource') && !has(writer, 'WriterConfig')) sc.r.add(path, 'ResultWriter needs "Resource" or "WriterConfig"');
  checkResourceParameters(sc, path, writer);
  if (has(writer, 'WriterConfig') && !isObject(writer.WriterConfig)) {
    sc.r.add([...path, 'WriterConfig'], `WriterConfig must be an object, not ${describeType(writer.WriterConfig)}`);
  }
}
