// The service as it runs: `tsc` compiles src/ to dist/src/, then this bundles the entry points with their
// dependencies into dist/bundle/ (`npm run build` runs `node rolldown.config.mjs`; BUNDLE_DIST names another
// compiled tree). Node then loads a handful of files at start instead of some 2,000 modules (resolution,
// package.json reads and file I/O were ~half of start-up; BENCHMARKS.md).
// Kept out of the bundle (loaded from node_modules at run time): packages that read their own files by path,
// that are loaded on first use (the Azure SDKs), or that only the local stack needs.
import { cpSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build, defineConfig } from 'rolldown';

const ROOT = import.meta.dirname;

/** Loaded from node_modules at run time. */
const EXTERNAL = [
  /^node:/,
  /^@azure\//, // loaded on first use (src/config/azure-sdk.loader.ts)
  /^@opentelemetry\//, // one copy, shared with the Azure Monitor SDK (the metrics API is a process-wide registry)
  /^@medplum\/definitions(\/|$)/, // reads its JSON files from its own directory
  /^swagger-ui-dist(\/|$)/, // served from its directory (src/bff/api-docs.ts)
  /^oidc-provider(\/|$)/, // the local identity provider (sandbox) only
  /^pino(\/|$)/, /^thread-stream(\/|$)/, /^sonic-boom(\/|$)/, // pino resolves its workers by path
];

/** Optional peers that Nest and Fastify try to load and do without; absent here, so left as run-time imports. */
const OPTIONAL_PEERS = new Set([
  '@nestjs/microservices', '@nestjs/websockets', '@nestjs/platform-express', 'class-transformer', 'class-validator',
  '@fastify/static', '@fastify/view', '@fastify/multipart',
]);

/**
 * The options for a bundle of `input` (entry name -> compiled file) written to `outDir`; `alias` maps import
 * prefixes to directories (the bench bundles its facade process from any compiled tree this way).
 */
export function bundleOptions({ input, outDir, alias = {} }) {
  return {
    input,
    platform: 'node',
    resolve: { alias },
    external: EXTERNAL,
    output: {
      dir: outDir,
      format: 'esm',
      entryFileNames: '[name].js',
      chunkFileNames: '[name]-[hash].js',
      charset: 'ascii',
      comments: { legal: true, annotation: true, jsdoc: false },
    },
    onLog(level, log, handler) {
      if (log.code === 'UNRESOLVED_IMPORT') {
        const id = /Could not resolve '([^']+)'/.exec(log.message)?.[1] ?? '';
        const name = id.split('/').slice(0, id.startsWith('@') ? 2 : 1).join('/');
        if (OPTIONAL_PEERS.has(name)) return;
        return handler('error', log); // anything else missing would fail at run time: fail the build instead
      }
      handler(level, log);
    },
    plugins: [
      asciiSource(),
      lazyNestTimestamps(),
      {
        name: 'files-beside-the-code',
        // Read beside their module at run time: the masking policy (src/masking/masking-policy.loader.ts) and the
        // local profile's demo SMART app (src/sandbox/demo-app.controller.ts).
        writeBundle() {
          cpSync(join(ROOT, 'src/masking/policies'), join(outDir, 'policies'), { recursive: true });
          cpSync(join(ROOT, 'src/sandbox/demo-app'), join(outDir, 'demo-app'), { recursive: true });
        },
      },
    ],
  };
}

/**
 * Every chunk pure ASCII. Node 24 keeps an ES module's source outside the V8 heap, at one byte per character only
 * when the whole file is ASCII: one other character anywhere makes it two or three bytes per character (~12 MB more
 * for main.js; BENCHMARKS.md, log 16). `output.charset: 'ascii'` escapes strings, templates, regular expressions and
 * identifiers; what it cannot escape are preserved comments (a licence notice with a name in it), rewritten here with
 * `\u{...}` in their text. Anything left (a tagged template's raw text) fails the build, naming where it is.
 */
export function asciiSource() {
  return {
    name: 'ascii-source',
    renderChunk(code, chunk) {
      const ascii = code.replace(/^[ \t]*\/\*[\s\S]*?\*\//gm, (comment) =>
        comment.replace(/[^\x00-\x7f]/gu, (c) => `\\u{${c.codePointAt(0).toString(16)}}`),
      );
      const at = ascii.search(/[^\x00-\x7f]/);
      if (at >= 0) {
        const line = ascii.slice(0, at).split('\n').length;
        this.error(`${chunk.fileName}:${line}: a non-ASCII character the bundler cannot escape (see asciiSource in rolldown.config.mjs)`);
      }
      return { code: ascii, map: null };
    },
  };
}

/**
 * Nest's `ConsoleLogger` and `Logger` build an `Intl.DateTimeFormat` when their modules load, for the timestamps of
 * Nest's own console output. The service logs through pino and never prints one, but the formatter alone makes
 * ~5.5 MB of the `node` binary resident for the process's whole life: ICU's data tables and the code that reads them
 * (BENCHMARKS.md, log 22). Here each is built on first use instead; the output is the same. A Nest release that no
 * longer has that line fails the build, so the rewrite is looked at again rather than silently dropped.
 */
export function lazyNestTimestamps() {
  const MODULE = /[\\/]@nestjs[\\/]common[\\/]services[\\/](console-logger|logger)\.service\.js$/;
  const EAGER = 'const dateTimeFormatter = new Intl.DateTimeFormat(';
  return {
    name: 'lazy-nest-timestamps',
    transform(code, id) {
      if (!MODULE.test(id)) return null;
      if (!code.includes(EAGER)) this.error(`${id}: Nest no longer builds its date formatter as expected (see lazyNestTimestamps in rolldown.config.mjs)`);
      const lazy = 'function lazyDateTimeFormat(locales, options) { let formatter; return { format: (date) => (formatter ??= new Intl.DateTimeFormat(locales, options)).format(date) }; }';
      return { code: `${code.replace(EAGER, 'const dateTimeFormatter = lazyDateTimeFormat(')}\n${lazy}\n`, map: null };
    },
  };
}

const dist = resolve(process.env.BUNDLE_DIST ?? join(ROOT, 'dist'));
const config = defineConfig(
  bundleOptions({
    input: { main: join(dist, 'src/main.js'), 'audit-writer.worker': join(dist, 'src/audit/audit-writer.worker.js') },
    outDir: join(dist, 'bundle'),
  }),
);
export default config;

// `node rolldown.config.mjs` (npm run build): bundles quietly (the CLI lists every file, on every `npm run token`);
// a build error still fails the command. The output directory is emptied first: chunk names carry a content hash,
// so an earlier build's chunks would otherwise stay beside the new ones.
if (import.meta.main) {
  rmSync(config.output.dir, { recursive: true, force: true });
  await build(config);
}
