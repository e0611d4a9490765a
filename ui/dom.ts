/** Small DOM helpers: the console is plain TypeScript, without a framework (a few pages, no shared state to manage). */

type Child = Node | string | number | undefined | null | false;

/** An element with attributes (`on<event>` become listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, unknown> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false || v === null) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
    else {
      const text = v === true ? '' : typeof v === 'string' ? v : JSON.stringify(v);
      if (k === 'value' && 'value' in el) (el as HTMLInputElement).value = text;
      else el.setAttribute(k, text);
    }
  }
  for (const c of children) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

/** Replaces an element's content. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren(...children.filter((c): c is Node | string | number => c !== undefined && c !== null && c !== false).map((c) => (c instanceof Node ? c : String(c))));
}

/** JSON text shown pretty, or the text as it is when it is not JSON. */
export function pretty(text: string | undefined): string {
  if (text === undefined) return '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export const link = (href: string, text: string) => h('a', { href }, text);

/** A date as local time with milliseconds, or '' */
export function time(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString(undefined, { hour12: false }) + '.' + String(d.getMilliseconds()).padStart(3, '0');
}

export function seconds(from?: string, to?: string): string {
  if (!from || !to) return '';
  return `${((Date.parse(to) - Date.parse(from)) / 1000).toFixed(2)} s`;
}
