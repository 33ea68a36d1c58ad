/** How the service's process is started: package.json's `config.nodeFlags` (split) and `config.mallocArenaMax`. */
export interface ServiceRuntime {
  nodeFlags: readonly string[];
  mallocArenaMax?: string;
}

/** One Dockerfile instruction, continuation lines joined. */
export interface DockerInstruction {
  keyword: string;
  args: string;
}

export function parseDockerfile(text: string): DockerInstruction[] {
  const logical = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  return logical.map((line) => {
    const [keyword = '', ...rest] = line.split(/\s+/);
    return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
  });
}

/**
 * Rules for the facade image: official Node 24 base images, multi-stage with production dependencies only in
 * the final stage, a non-root USER, port 8080, a HEALTHCHECK on /health/live with node (no curl in slim
 * images), and the image's own node running the bundled service (dist/bundle/main.js) with the service's V8 flags and
 * malloc arena limit (package.json's `config.nodeFlags` and `config.mallocArenaMax`, which `npm start` uses too).
 */
export function checkDockerfile(text: string, runtime: ServiceRuntime = { nodeFlags: [] }): string[] {
  const { nodeFlags, mallocArenaMax } = runtime;
  const instructions = parseDockerfile(text);
  const problems: string[] = [];
  const froms = instructions.filter((i) => i.keyword === 'FROM');
  if (froms.length < 2) problems.push('not multi-stage');
  for (const from of froms) {
    const image = from.args.split(/\s+/)[0] ?? '';
    if (!/^node:24([.-]|$)/.test(image) && !froms.some((f) => new RegExp(`\\bAS\\s+${image}$`, 'i').test(f.args))) {
      problems.push(`base image ${image} is not an official node:24 image`);
    }
  }
  const finalStage = instructions.slice(instructions.lastIndexOf(froms.at(-1)!));
  const runs = instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
  if (!runs.some((r) => /npm (ci|install)\b/.test(r) && !r.includes('--omit=dev'))) problems.push('no full `npm ci`/`npm install` for the build');
  if (!runs.some((r) => r.includes('npm run build'))) problems.push('no `npm run build`');
  if (!instructions.some((i) => i.keyword === 'COPY' && /\brolldown\.config\.mjs\b/.test(i.args))) {
    problems.push('rolldown.config.mjs is not copied: `npm run build` cannot bundle');
  }
  if (!runs.some((r) => /npm (ci|install)\b.*--omit=dev/.test(r))) problems.push('no `npm ci --omit=dev` for production dependencies');
  if (finalStage.some((i) => i.keyword === 'RUN' && /npm (ci|install)\b/.test(i.args) && !i.args.includes('--omit=dev'))) {
    problems.push('the final stage installs dev dependencies');
  }
  const user = finalStage.filter((i) => i.keyword === 'USER').at(-1)?.args.trim();
  if (!user) problems.push('the final stage has no USER (runs as root)');
  else if (user === 'root' || user === '0' || user.startsWith('0:') || user.startsWith('root:')) problems.push(`USER ${user} is root`);
  const env = finalStage.filter((i) => i.keyword === 'ENV').map((i) => i.args).join(' ');
  for (const setting of ['APP_PROFILE=azure', 'NODE_ENV=production', 'PORT=8080']) if (!env.includes(setting)) problems.push(`ENV ${setting} missing`);
  if (mallocArenaMax !== undefined && !new RegExp(`(^|\\s)MALLOC_ARENA_MAX=${mallocArenaMax}(\\s|$)`).test(env)) {
    problems.push(`ENV MALLOC_ARENA_MAX=${mallocArenaMax} missing`);
  }
  if (!finalStage.some((i) => i.keyword === 'EXPOSE' && /\b8080\b/.test(i.args))) problems.push('EXPOSE 8080 missing');
  const healthcheck = finalStage.find((i) => i.keyword === 'HEALTHCHECK');
  if (!healthcheck) problems.push('no HEALTHCHECK');
  else {
    if (!healthcheck.args.includes('/health/live')) problems.push('HEALTHCHECK does not call /health/live');
    if (/\b(curl|wget)\b/.test(healthcheck.args)) problems.push('HEALTHCHECK uses curl/wget, which slim images do not have');
    if (!/CMD \["node"/.test(healthcheck.args)) problems.push('HEALTHCHECK does not run node');
  }
  const cmd = finalStage.filter((i) => i.keyword === 'CMD').at(-1)?.args;
  const expected = JSON.stringify(['node', ...nodeFlags, 'dist/bundle/main.js']);
  if (cmd?.replace(/\s+/g, '') !== expected.replace(/\s+/g, '')) problems.push(`CMD is not ${expected}`);
  return problems;
}
