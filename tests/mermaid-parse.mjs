// Parses each file given with Mermaid's own parser (in jsdom, as the
// browser would), one diagram per front-matter block; prints "ok" or the
// parser's error per diagram, and exits 1 on any error.
// Usage: node tests/mermaid-parse.mjs NODE_MODULES FILE...
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [modules, ...files] = process.argv.slice(2);
const require = createRequire(join(modules, 'index.js'));
const { JSDOM } = require('jsdom');
const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const mermaidModule = join(modules, 'mermaid', 'dist', 'mermaid.core.mjs');
const { default: mermaid } = await import(pathToFileURL(mermaidModule).href);
mermaid.initialize({ startOnLoad: false });

for (const file of files) {
  const text = readFileSync(file, 'utf8');
  for (const diagram of text.split(/\n(?=---\ntitle:)/)) {
    try {
      await mermaid.parse(diagram);
      console.log(`${file}: ok`);
    } catch (e) {
      console.log(`${file}: ${String(e)}`);
      process.exitCode = 1;
    }
  }
}
