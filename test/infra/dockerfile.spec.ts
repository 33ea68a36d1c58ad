import { describe, expect, it } from 'vitest';
import { checkDockerfile } from './support/dockerfile.checker.js';
import { readRepoFile } from './support/repo-files.js';

const good = readRepoFile('Dockerfile');
const packageJson = JSON.parse(readRepoFile('package.json')) as { config: { nodeFlags: string; mallocArenaMax: string }; scripts: Record<string, string> };
const nodeFlags = packageJson.config.nodeFlags.split(' ');
const runtime = { nodeFlags, mallocArenaMax: packageJson.config.mallocArenaMax };

describe('Dockerfile', () => {
  it('builds on node:24, ships production dependencies only, runs as non-root with a HEALTHCHECK', () => {
    expect(checkDockerfile(good, runtime)).toEqual([]);
  });

  it("runs the bundled service with package.json's V8 flags, as npm start does (a CMD without them is caught)", () => {
    expect(nodeFlags).toEqual(['--max-semi-space-size=32', '--no-allocation-site-pretenuring']);
    expect(packageJson.scripts.start).toContain('node $npm_package_config_nodeFlags dist/bundle/main.js');
    expect(checkDockerfile(good.replace(/^CMD \["node", "--.*$/m, 'CMD ["node", "dist/bundle/main.js"]'), runtime)).toContain(
      `CMD is not ${JSON.stringify(['node', ...nodeFlags, 'dist/bundle/main.js'])}`,
    );
    expect(checkDockerfile(good.replace(' rolldown.config.mjs', ''), runtime)).toContain('rolldown.config.mjs is not copied: `npm run build` cannot bundle');
    // The unbundled build is not what runs.
    expect(checkDockerfile(good.replace('dist/bundle/main.js', 'dist/src/main.js'), runtime).length).toBe(1);
  });

  it("sets package.json's malloc arena limit in the image and in both start scripts (an image without it is caught)", () => {
    expect(packageJson.config.mallocArenaMax).toBe('2');
    for (const script of ['start', 'start:azure']) {
      expect(packageJson.scripts[script]).toContain('MALLOC_ARENA_MAX=$npm_package_config_mallocArenaMax node $npm_package_config_nodeFlags dist/bundle/main.js');
    }
    const missing = `ENV MALLOC_ARENA_MAX=${packageJson.config.mallocArenaMax} missing`;
    expect(checkDockerfile(good.replace(/ \\\n\s*MALLOC_ARENA_MAX=\d+/, ''), runtime)).toEqual([missing]);
    expect(checkDockerfile(good.replace(/MALLOC_ARENA_MAX=\d+/, 'MALLOC_ARENA_MAX=8'), runtime)).toEqual([missing]);
    expect(checkDockerfile(good.replace(/MALLOC_ARENA_MAX=\d+/, 'MALLOC_ARENA_MAX=20'), runtime)).toEqual([missing]);
  });

  it('a root user, a missing HEALTHCHECK, curl, or an old Node are caught (negative cases)', () => {
    expect(checkDockerfile(good.replace('USER node', 'USER root'))).toContain('USER root is root');
    expect(checkDockerfile(good.replace(/^USER node$/m, ''))).toContain('the final stage has no USER (runs as root)');
    expect(checkDockerfile(good.replace(/HEALTHCHECK[\s\S]*?\n(?=CMD)/, ''))).toContain('no HEALTHCHECK');
    expect(checkDockerfile(good.replace(/CMD \["node", "-e".*$/m, 'CMD curl -f http://localhost:8080/health/live'))).toContain('HEALTHCHECK uses curl/wget, which slim images do not have');
    expect(checkDockerfile(good.replaceAll('node:24-bookworm-slim', 'node:20-bookworm-slim'))).toContain('base image node:20-bookworm-slim is not an official node:24 image');
    expect(checkDockerfile(good.replace('npm install --omit=dev', 'npm install').replace('npm ci --omit=dev', 'npm ci'))).toContain('no `npm ci --omit=dev` for production dependencies');
  });

  it('.dockerignore keeps dependencies, secrets and local data out of the build context', () => {
    const ignored = readRepoFile('.dockerignore').split('\n').map((line) => line.trim());
    for (const entry of ['node_modules', 'dist', '.git', '.env', '*.pem', '*.pfx']) expect(ignored).toContain(entry);
  });
});
