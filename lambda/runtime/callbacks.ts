/** Callback resources (.waitForTaskToken): the rule lives with the definition types. */
export { isCallbackResource } from '../engine/definition';
