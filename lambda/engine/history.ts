/**
 * History events in the shape GetExecutionHistory returns on AWS: {timestamp, type, id,
 * previousEventId, <type>EventDetails}. Only the interpreter appends them; stores page through them.
 */

export interface HistoryEvent {
  timestamp: string;
  type: string;
  id: number;
  previousEventId: number;
  [details: string]: unknown;
}

/** `<Type>StateEntered` / `<Type>StateExited`, made once per state type rather than per event. */
const stateEventTypes = new Map<string, { entered: string; exited: string }>();

/**
 * The type of a state's Entered or Exited event. The same string each time: a string concatenated
 * per event had to be flattened and hashed again for every event (a tenth of a Pass chain's time).
 */
export function stateEventType(stateType: string, phase: 'entered' | 'exited'): string {
  let types = stateEventTypes.get(stateType);
  if (types === undefined) {
    types = { entered: `${stateType}StateEntered`, exited: `${stateType}StateExited` };
    stateEventTypes.set(stateType, types);
  }
  return types[phase];
}

/** detailsKey by event type: a few dozen types, two events per state. */
const detailsKeys = new Map<string, string>();

/** AWS names each details member after the event type with a lower-case first letter. */
function detailsKey(type: string): string {
  let key = detailsKeys.get(type);
  if (key === undefined) {
    key = detailsKeyOf(type);
    detailsKeys.set(type, key);
  }
  return key;
}

/** The details member of every `<Type>StateEntered` event, whatever the state type. */
export const STATE_ENTERED_DETAILS = 'stateEnteredEventDetails';
/** The details member of every `<Type>StateExited` event. */
export const STATE_EXITED_DETAILS = 'stateExitedEventDetails';

function detailsKeyOf(type: string): string {
  // State events share stateEnteredEventDetails / stateExitedEventDetails, whatever the state type.
  if (type.endsWith('StateEntered')) return STATE_ENTERED_DETAILS;
  if (type.endsWith('StateExited')) return STATE_EXITED_DETAILS;
  return type.charAt(0).toLowerCase() + type.slice(1) + 'EventDetails';
}

/** AWS keeps state payloads as JSON text in history events. */
export function payloadText(value: unknown): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}

export class HistoryWriter {
  readonly events: HistoryEvent[] = [];
  private lastValue: unknown = undefined;
  private lastText: string | undefined;
  /** where events go instead of here, while they belong to another history (see writeTo) */
  private elsewhere: { nextEventId?: number } | undefined;

  /** `payloads: false` leaves state inputs and outputs out of the events (the in-process runner's default). */
  constructor(
    private nextId: number,
    private readonly timestamp: string,
    private readonly payloads = true,
  ) {}

  /**
   * The JSON text of a payload for an event, or undefined when payloads are not recorded. A state's
   * output is usually the next state's input: the last text is reused for the same value.
   */
  payload(value: unknown): string | undefined {
    if (!this.payloads) return undefined;
    if (value === this.lastValue && this.lastText !== undefined && typeof value === 'object') return this.lastText;
    const text = payloadText(value);
    this.lastValue = value;
    this.lastText = text;
    return text;
  }

  /**
   * Events written from now on belong to another history (a Distributed Map item's: on AWS each item
   * is a child execution of the Map Run, with a history of its own), or to this one again (undefined).
   * There they are only numbered, from 2 (the child's ExecutionStarted is 1): ids stay true for error
   * causes ("entered at the event id #N") while this history keeps only the Map Run's events.
   */
  writeTo(elsewhere: { nextEventId?: number } | undefined): void {
    this.elsewhere = elsewhere;
  }

  /** Some event went to another history: the snapshot changed (its counter) though no event is here. */
  wroteElsewhere = false;

  /**
   * Appends an event and returns its id. `key`: the name of its details member when the caller knows
   * it (STATE_ENTERED_DETAILS, STATE_EXITED_DETAILS: two events per state, spared a lookup by type).
   */
  add(type: string, details?: Record<string, unknown>, key?: string): number {
    if (this.elsewhere) {
      const other = (this.elsewhere.nextEventId ??= 2);
      this.elsewhere.nextEventId = other + 1;
      this.wroteElsewhere = true;
      return other;
    }
    const id = this.nextId++;
    const event: HistoryEvent = { timestamp: this.timestamp, type, id, previousEventId: id - 1 };
    if (details !== undefined) event[key ?? detailsKey(type)] = details;
    this.events.push(event);
    return id;
  }

  get nextEventId(): number {
    return this.nextId;
  }
}

/** Activity ARNs (arn:<p>:states:<region>:<account>:activity:<name>) get Activity* events, as on AWS. */
export function isActivityArn(resource: string): boolean {
  return /^arn:[^:]+:states:[^:]+:\d{12}:activity:[^:]+$/.test(resource);
}

/** Which family of task events a resource gets: direct Lambda ARNs use LambdaFunction*, integrations Task*. */
export function isDirectLambdaArn(resource: string): boolean {
  return /^arn:[^:]+:lambda:[^:]*:[^:]*:function:/.test(resource);
}
