import { readFileSync } from 'node:fs';

/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, as `npm run bench -- --cpu-prof` writes): the
 * self time of the busiest functions, and the self time by where the code lives (a package of
 * node_modules, a directory of this repository, or node itself), so a profile reads in a minute.
 *
 *   npx tsx bench/profile-summary.ts bench/profiles/CPU.*.cpuprofile [--top 40] [--from S] [--to S]
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Where a script belongs: `pkg:<name>` for node_modules, the first two path parts of the repository's own code, `node` otherwise. */
function placeOf(url: string): string {
  if (!url) return '(native / gc / idle)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return `pkg:${rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (url.startsWith('node:')) return 'node';
  const own = /\/(lambdas|lib|bin|bench)\/(.+)$/.exec(url);
  if (own) return `${own[1]}/${own[2]?.split('/')[0]}`;
  return url;
}

/** `window`: seconds from the profile's start, to look at one stretch (a fan-out run) of a longer profile. */
function summarise(path: string, top: number, window: [number, number]): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMicros = new Map<number, number>();
  let at = 0;
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < window[0] * 1e6 || at > window[1] * 1e6) return;
    total += delta;
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta);
  });
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const frame = (byId.get(id) as ProfileNode).callFrame;
    const name = `${frame.functionName || '(anonymous)'} ${placeOf(frame.url)}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    const place = frame.functionName === '(idle)' ? '(idle)' : placeOf(frame.url);
    byPlace.set(place, (byPlace.get(place) ?? 0) + micros);
  }
  const busy = total - (byPlace.get('(idle)') ?? 0);
  const rows = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `${(v / 1000).toFixed(0).padStart(8)} ms ${((v / Math.max(1, busy)) * 100).toFixed(1).padStart(5)} %  ${k}`)
      .join('\n');
  return [
    `${path}: ${(total / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s (percentages of busy time)`,
    '-- self time by place',
    rows(byPlace, 30),
    `-- self time by function (top ${top})`,
    rows(byFunction, top),
  ].join('\n');
}

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args.splice(i, 2)[1]) : fallback;
};
const top = option('--top', 40);
const window: [number, number] = [option('--from', 0), option('--to', Infinity)];
for (const path of args) console.log(summarise(path, top, window));
