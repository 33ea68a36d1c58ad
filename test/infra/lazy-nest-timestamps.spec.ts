/**
 * The bundle builds Nest's timestamp formatters on first use, not when Nest loads. Building an `Intl.DateTimeFormat`
 * makes ~5.5 MB of the `node` binary resident for good (ICU's data tables and the code that reads them), and the
 * service never prints Nest's timestamps (it logs through pino): BENCHMARKS.md, log 22. What must never happen: the rewrite changing what Nest
 * prints, or silently lapsing when Nest changes (the build fails instead).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type InputOptions, type OutputOptions } from 'rolldown';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const WORK = mkdtempSync(join(tmpdir(), 'lazy-nest-timestamps-'));

type BundleOptions = InputOptions & { output: OutputOptions };
type TransformHook = (this: { error: (message: string) => never }, code: string, id: string) => { code: string } | null;
const config = (await import(pathToFileURL(join(ROOT, 'rolldown.config.mjs')).href)) as {
  bundleOptions: (o: { input: Record<string, string>; outDir: string; alias?: Record<string, string> }) => BundleOptions;
  lazyNestTimestamps: () => { transform: TransformHook };
};

/** Nest's own options for its timestamps (services/console-logger.service.js, services/logger.service.js). */
const NEST_TIMESTAMP = { year: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', day: '2-digit', month: '2-digit' } as const;
const RealDateTimeFormat = Intl.DateTimeFormat;

describe("Nest's timestamp formatters in the bundle (rolldown.config.mjs, lazyNestTimestamps)", () => {
  afterEach(() => {
    Intl.DateTimeFormat = RealDateTimeFormat;
    vi.restoreAllMocks();
  });
  afterAll(() => rmSync(WORK, { recursive: true, force: true }));

  it('are built on first use, once, and print what Nest printed', async () => {
    // @nestjs/common bundled with the service's own options, as main.js bundles it.
    const entry = join(WORK, 'nest-loggers.src.js');
    writeFileSync(entry, "export { ConsoleLogger, Logger } from '@nestjs/common';\n");
    const outDir = join(WORK, 'out');
    await build({ ...config.bundleOptions({ input: { 'nest-loggers': entry }, outDir, alias: { '@nestjs/common': join(ROOT, 'node_modules/@nestjs/common') } }), logLevel: 'silent' });

    let built = 0;
    Intl.DateTimeFormat = new Proxy(RealDateTimeFormat, {
      construct(target, args: ConstructorParameters<typeof Intl.DateTimeFormat>) {
        built += 1;
        return new target(...args);
      },
    });
    const { ConsoleLogger, Logger } = (await import(pathToFileURL(join(outDir, 'nest-loggers.js')).href)) as {
      ConsoleLogger: new () => { getTimestamp(): string };
      Logger: { getTimestamp(): string };
    };
    expect(built, 'no formatter while Nest loads').toBe(0);

    const at = Date.UTC(2026, 11, 7, 9, 5, 3);
    vi.spyOn(Date, 'now').mockReturnValue(at);
    const expected = new RealDateTimeFormat(undefined, NEST_TIMESTAMP).format(at);
    const logger = new ConsoleLogger();
    expect(logger.getTimestamp()).toBe(expected);
    expect(logger.getTimestamp()).toBe(expected);
    expect(built, "ConsoleLogger's, once").toBe(1);
    expect(Logger.getTimestamp()).toBe(expected);
    expect(Logger.getTimestamp()).toBe(expected);
    expect(built, "and Logger's, once").toBe(2);
  });

  it('fail the build when Nest no longer builds its formatter the expected way, and leave every other module alone', () => {
    const { transform } = config.lazyNestTimestamps();
    const context = {
      error(message: string): never {
        throw new Error(message);
      },
    };
    const nestLogger = join(ROOT, 'node_modules/@nestjs/common/services/logger.service.js');
    expect(() => transform.call(context, 'const formatter = new Intl.DateTimeFormat(undefined, {});\n', nestLogger)).toThrow(/lazyNestTimestamps/);
    expect(transform.call(context, 'const dateTimeFormatter = new Intl.DateTimeFormat(undefined, {});\n', join(ROOT, 'src/main.js'))).toBeNull();
  });
});
