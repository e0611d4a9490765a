/** Task resources that finish through SendTaskSuccess/SendTaskFailure rather than their return value. */
export function isCallbackResource(resource: string): boolean {
  return resource.endsWith('.waitForTaskToken');
}
