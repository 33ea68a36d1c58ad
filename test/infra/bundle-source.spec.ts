/**
 * The bundle that runs is pure ASCII. Node 24 keeps an ES module's source outside the V8 heap at one byte per
 * character only when the file is ASCII; a single other character makes main.js cost ~12 MB instead of ~6
 * (BENCHMARKS.md, log 16). These build small modules with the service's own bundle options (rolldown.config.mjs)
 * and check that what the bundler escapes still means the same, and that what it cannot escape fails the build.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type InputOptions, type OutputOptions } from 'rolldown';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const WORK = mkdtempSync(join(tmpdir(), 'bundle-source-'));

type BundleOptions = InputOptions & { output: OutputOptions };
const { bundleOptions } = (await import(pathToFileURL(join(ROOT, 'rolldown.config.mjs')).href)) as {
  bundleOptions: (o: { input: Record<string, string>; outDir: string }) => BundleOptions;
};

/** Bundles `source` as an entry point the way `npm run build` bundles main.js; returns the output file. */
async function bundle(name: string, source: string): Promise<string> {
  const entry = join(WORK, `${name}.src.js`);
  writeFileSync(entry, source);
  const outDir = join(WORK, name);
  await build({ ...bundleOptions({ input: { [name]: entry }, outDir }), logLevel: 'silent' });
  return join(outDir, `${name}.js`);
}

const NON_ASCII = /[^\x00-\x7f]/;

describe('the bundle is pure ASCII (rolldown.config.mjs)', () => {
  afterAll(() => rmSync(WORK, { recursive: true, force: true }));

  it('escapes strings, templates, regular expressions and licence comments, and the code means the same', async () => {
    const file = await bundle(
      'escaped',
      [
        '/*! example-lib. MIT License. J\u00f6rg W\u00e4rting \u2014 \u00a9 2026 */',
        "export const dash = 'a \u2014 b \u2192 c \u00b5g \u{1f600}';",
        'export const line = `${dash.length} \u00d7 \u2026`;',
        'export const accent = /^[\u00e0-\u00ff]+\u2013x$/u;',
        'export const \u00e9t\u00e9 = 1;',
      ].join('\n'),
    );
    const text = readFileSync(file, 'utf8');
    expect(text).not.toMatch(NON_ASCII);
    expect(text).toContain('example-lib. MIT License.'); // the licence notice is kept, its names escaped
    expect(text).toContain('J\\u{f6}rg W\\u{e4}rting');

    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    expect(mod.dash).toBe('a \u2014 b \u2192 c \u00b5g \u{1f600}');
    expect(mod.line).toBe(`${'a \u2014 b \u2192 c \u00b5g \u{1f600}'.length} \u00d7 \u2026`);
    expect((mod.accent as RegExp).test('\u00e9\u00e8\u2013x')).toBe(true);
    expect((mod.accent as RegExp).test('e\u2013x')).toBe(false);
    expect(mod['\u00e9t\u00e9']).toBe(1);
  });

  it('fails the build, naming the file and line, on a character it cannot escape (a tagged template)', async () => {
    // A tagged template's raw text is observable (String.raw), so the bundler leaves it as written.
    const source = "export const plain = 'x';\nexport const raw = String.raw`a \u2014 b`;\n";
    await expect(bundle('unescapable', source)).rejects.toThrow(/unescapable\.js:\d+: a non-ASCII character the bundler cannot escape/);
  });
});
