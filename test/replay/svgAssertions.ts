/**
 * What the SVG renderers' tests (plot.test.ts, frontierPlot.test.ts) check their output with:
 * well-formed XML, attributes, and the rectangles of the plot area and the legend.
 */
import assert from "node:assert/strict";

/**
 * Fails unless `svg` is well-formed XML as the renderers write it: one root, balanced tags, quoted
 * attributes, and no raw "<" or stray "&" in text or attributes.
 */
export function assertWellFormed(svg: string): void {
  const entity = "&(?:lt|gt|amp|quot|apos);";
  const tag = new RegExp(`<(/?)([A-Za-z][\\w:-]*)((?:\\s+[\\w:-]+="(?:[^"<&]|${entity})*")*)\\s*(/?)>`, "y");
  const stray = /&(?!(?:lt|gt|amp|quot|apos);)/;
  const open: string[] = [];
  let roots = 0;
  let i = 0;
  for (;;) {
    const lt = svg.indexOf("<", i);
    const text = svg.slice(i, lt === -1 ? svg.length : lt);
    assert.doesNotMatch(text, stray, `stray & in text near ${i}`);
    if (open.length === 0) assert.equal(text.trim(), "", `text outside the root near ${i}`);
    if (lt === -1) break;
    tag.lastIndex = lt;
    const m = tag.exec(svg);
    assert.ok(m, `malformed tag at ${lt}: ${svg.slice(lt, lt + 80)}`);
    const [, closing, name, , selfClosing] = m;
    if (closing) assert.equal(open.pop(), name, `</${name}> closes the wrong element`);
    else {
      if (open.length === 0) roots++;
      if (!selfClosing) open.push(name as string);
    }
    i = tag.lastIndex;
  }
  assert.deepEqual(open, [], "unclosed elements");
  assert.equal(roots, 1);
}

export function attributes(element: string): Record<string, string> {
  return Object.fromEntries([...element.matchAll(/([\w:-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function rectOf(svg: string, pattern: RegExp): Rect {
  const element = svg.match(pattern)?.[0];
  assert.ok(element, `no element matching ${pattern}`);
  const a = attributes(element);
  return { x: Number(a.x), y: Number(a.y), width: Number(a.width), height: Number(a.height) };
}

export const plotArea = (svg: string) => rectOf(svg, /<rect class="plot-area"[^>]*>/);
export const legendRect = (svg: string) => rectOf(svg, /<g class="legend">\s*<rect[^>]*>/);
