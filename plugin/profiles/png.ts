import { createRequire } from 'node:module';
import type * as Resvg from '@resvg/resvg-js';

// PNG output for --plot-file: the SVG from plugin/views/plot/svg.ts rasterized by resvg. resvg is a native module, so it
// is loaded on first use only: commands that never write a PNG never load it, and a platform without a prebuilt
// binary can still write SVG.

type ResvgModule = typeof Resvg;

const require = createRequire(import.meta.url);
let resvg: ResvgModule | undefined;

function loadResvg(): ResvgModule {
  if (resvg === undefined) {
    try {
      resvg = require('@resvg/resvg-js') as ResvgModule;
    } catch (e) {
      const reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
      throw new Error(`PNG output is unavailable (@resvg/resvg-js did not load: ${reason}); write an .svg file instead`);
    }
  }
  return resvg;
}

/** Renders an SVG document to PNG bytes at the SVG's own size, on white, with system fonts (DejaVu Sans first). */
export function svgToPng(svg: string): Buffer {
  const { Resvg } = loadResvg();
  return new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, background: 'white' }).render().asPng();
}
