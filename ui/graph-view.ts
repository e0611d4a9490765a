/**
 * Draws a state graph into an element (the same model, layout and SVG as `stepwright graph`) and
 * reports clicks on states. Colours come with the SVG (data-status on each state); redrawing after a
 * new history is cheap next to the layout, which is kept while the definition is the same.
 */
import { buildGraph, layoutGraph, type LaidGraph } from '../lambda/local/console-graph';
import { renderSvg, type SvgOptions } from '../lambda/local/console-graph-render';

export class GraphView {
  private laid: LaidGraph | undefined;
  private laidFor: string | undefined;
  private selected: string | undefined;

  constructor(
    readonly el: HTMLElement,
    private readonly onSelect?: (state: string) => void,
  ) {
    el.classList.add('graph');
    el.addEventListener('click', (ev) => {
      const node = (ev.target as Element).closest('[data-state]');
      if (!node) return;
      this.selected = node.getAttribute('data-state') ?? undefined;
      this.markSelected();
      if (this.selected !== undefined) this.onSelect?.(this.selected);
    });
  }

  /** Draws `definition` (laid out again only when it changed) with the colours and problems given. */
  async draw(definition: unknown, opts: SvgOptions = {}): Promise<void> {
    const key = JSON.stringify(definition);
    if (key !== this.laidFor || !this.laid) {
      this.laid = await layoutGraph(buildGraph(definition));
      this.laidFor = key;
    }
    this.el.innerHTML = renderSvg(this.laid, opts);
    this.markSelected();
  }

  private markSelected(): void {
    for (const n of this.el.querySelectorAll('[data-state]')) n.classList.toggle('selected', n.getAttribute('data-state') === this.selected);
  }
}
