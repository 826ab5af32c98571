import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AbuseResult, abuse } from './abuse';
import { AwsSimOptions, AwsSimResult, DEFAULT_AWS_SIM, awsSim } from './aws-sim';
import { ivschatClient } from './clients';
import { tokenMinter } from './mint';
import type { FanoutResult } from './fanout';
import { PROBE_ENV, attachProbe } from '../test/helpers/process-probe';
import { ROOT, fileLimits, startStack } from './processes';
import { report } from './report';
import {
  ConnectionsResult,
  ControlPlaneResult,
  IdleResult,
  Log,
  RoomSizeResult,
  connections,
  controlPlane,
  fanout,
  idle,
} from './scenarios';
import { round } from './stats';

const SCENARIOS = ['idle', 'control', 'fanout', 'growth', 'connections', 'abuse', 'aws-sim'] as const;
/** Scenarios that need no local stack: abuse starts its own, aws-sim simulates AWS. */
const STANDALONE: readonly Scenario[] = ['abuse', 'aws-sim'];
type Scenario = (typeof SCENARIOS)[number];

/** The fan-out points of a default run: one sender alone (the per-message cost), then rooms up to 10,000. */
const DEFAULT_POINTS: FanoutPoint[] = [
  { receivers: 1, rate: 100 },
  { receivers: 100, rate: 100 },
  { receivers: 100, rate: 10 },
  { receivers: 1000, rate: 100 },
  { receivers: 1000, rate: 10 },
  { receivers: 10_000, rate: 10 },
];

export interface FanoutPoint {
  receivers: number;
  rate: number;
}

const HELP = `npm run bench [-- options]
  --only LIST        scenarios to run, of: ${SCENARIOS.join(', ')} (default: all)
  --points LIST      fan-out points, receivers x msg/s (default ${DEFAULT_POINTS.map((p) => `${p.receivers}x${p.rate}`).join(',')})
  --receivers LIST   fan-out room sizes, each at every --rates (instead of --points)
  --rates LIST       fan-out send rates, msg/s (default 100,10 with --receivers)
  --idle-seconds N   how long the idle servers' CPU is measured (default 20)
  --seconds N        length of each control-plane and fan-out run (default 10)
  --growth LIST      cost-growth room sizes, at 10 msg/s (default 10,100,1000,5000)
  --growth-seconds N length of each cost-growth run not already measured by fan-out (default 5)
  --receiver-processes N  processes the receivers are spread over, each reading its share (default: the cores, at least 2)
  --connections N    connections held (default 50000; the bench raises its open-files limit for them)
  --abuse-seconds N  length of each abuse stretch: idle, then one viewer flooding each kind (default 20)
  --idle-minutes N   how long the idle server's heap is watched after the floods (default 5)
  --sim-seconds N    aws-sim: simulated seconds of sending per run, 5 messages at least (default ${DEFAULT_AWS_SIM.seconds})
  --sim-viewers LIST aws-sim: room sizes (default ${DEFAULT_AWS_SIM.viewers.join(',')})
  --sim-rates LIST   aws-sim: msg/s (default ${DEFAULT_AWS_SIM.rates.join(',')})
  --sim-limits LIST  aws-sim: the account's PostToConnection budgets, requests/s, burst half of it (default ${DEFAULT_AWS_SIM.limits.join(',')})
  --post-latency MS  aws-sim: time a delivered post takes (default ${DEFAULT_AWS_SIM.postLatencyMs})
  --cpu-prof         write a V8 CPU profile of the local stack to bench/profiles/
  --server-log FILE  keep the local stack's output (its JSON request logs) in FILE
  --out FILE         where the JSON goes (default bench/results/latest.json for a full default run,
                     bench/results/partial.json otherwise)`;

export interface BenchOptions {
  only: Scenario[];
  points: FanoutPoint[];
  idleSeconds: number;
  seconds: number;
  growth: number[];
  growthSeconds: number;
  connections: number;
  receiverProcesses: number;
  abuseSeconds: number;
  idleMinutes: number;
  awsSim: AwsSimOptions;
  cpuProf: boolean;
  serverLog: string;
  out: string;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = {
    only: [...SCENARIOS],
    points: DEFAULT_POINTS,
    idleSeconds: 20,
    seconds: 10,
    growth: [10, 100, 1000, 5000, 10_000],
    growthSeconds: 5,
    connections: 50_000,
    receiverProcesses: Math.max(2, cpus().length),
    abuseSeconds: 20,
    idleMinutes: 5,
    awsSim: { ...DEFAULT_AWS_SIM },
    cpuProf: false,
    serverLog: '',
    out: '',
  };
  let partial = false;
  let receivers: number[] | undefined;
  let rates = [100, 10];
  const list = (text: string | undefined) =>
    (text ?? '')
      .split(',')
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0);
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const take = () => {
      i += 1;
      partial = true;
      if (value === undefined) throw new Error(`${flag} needs a value\n${HELP}`);
      return value;
    };
    switch (flag) {
      case '--only': {
        const names = take()
          .split(',')
          .map((s) => s.trim());
        const unknown = names.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
        if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}\n${HELP}`);
        options.only = names as Scenario[];
        break;
      }
      case '--points':
        options.points = take()
          .split(',')
          .map((point) => point.split('x').map(Number))
          .filter(([n, rate]) => Number.isInteger(n) && (n as number) > 0 && Number.isInteger(rate) && (rate as number) > 0)
          .map(([n, rate]) => ({ receivers: n as number, rate: rate as number }));
        break;
      case '--receivers':
        receivers = list(take());
        break;
      case '--rates':
        rates = list(take());
        break;
      case '--idle-seconds':
        options.idleSeconds = Number(take());
        break;
      case '--seconds':
        options.seconds = Number(take());
        break;
      case '--growth':
        options.growth = list(take());
        break;
      case '--growth-seconds':
        options.growthSeconds = Number(take());
        break;
      case '--connections':
        options.connections = Number(take());
        break;
      case '--receiver-processes':
        options.receiverProcesses = Number(take());
        break;
      case '--abuse-seconds':
        options.abuseSeconds = Number(take());
        break;
      case '--idle-minutes':
        options.idleMinutes = Number(take());
        break;
      case '--sim-seconds':
        options.awsSim.seconds = Number(take());
        break;
      case '--sim-viewers':
        options.awsSim.viewers = list(take());
        break;
      case '--sim-rates':
        options.awsSim.rates = list(take());
        break;
      case '--sim-limits':
        options.awsSim.limits = list(take());
        break;
      case '--post-latency':
        options.awsSim.postLatencyMs = Number(take());
        break;
      case '--server-log':
        options.serverLog = take();
        break;
      case '--out':
        options.out = take();
        break;
      case '--cpu-prof':
        options.cpuProf = true;
        break;
      case '--help':
      case '-h':
        console.log(HELP);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${flag}\n${HELP}`);
    }
  }
  if (receivers) options.points = receivers.flatMap((n) => rates.map((rate) => ({ receivers: n, rate })));
  if (!(options.idleSeconds > 0)) throw new Error(`--idle-seconds must be more than 0\n${HELP}`);
  if (!(options.abuseSeconds >= 3)) throw new Error(`--abuse-seconds must be at least 3\n${HELP}`);
  if (!(Number.isInteger(options.receiverProcesses) && options.receiverProcesses > 0))
    throw new Error(`--receiver-processes must be a whole number above 0\n${HELP}`);
  if (!(options.idleMinutes > 0)) throw new Error(`--idle-minutes must be more than 0\n${HELP}`);
  if (!(options.awsSim.seconds > 0) || !(options.awsSim.postLatencyMs >= 0)) {
    throw new Error(`--sim-seconds must be more than 0 and --post-latency at least 0\n${HELP}`);
  }
  options.out ||= join(ROOT, 'bench/results', partial ? 'partial.json' : 'latest.json');
  return options;
}

export interface BenchResults {
  date: string;
  machine: { cores: number; cpu: string; memoryGiB: number; node: string; platform: string };
  /** /proc/loadavg (1, 5, 15 minutes) as the run started and as it ended: how quiet the machine was. */
  loadAverage: { start: number[]; end: number[] };
  /** The open-files limit the bench ran with (each of its processes has it). */
  fileLimit?: number;
  /** The connections asked for when the file limit held the run to fewer (options.connections). */
  connectionsAsked?: number;
  idle?: IdleResult;
  options: Omit<BenchOptions, 'out'>;
  durationSeconds: number;
  controlPlane?: ControlPlaneResult;
  fanout?: RoomSizeResult[];
  growth?: {
    receivers: number;
    ratePerSecond: number;
    seconds: number;
    service: FanoutResult;
    baseline: FanoutResult;
    from: 'fanout' | 'growth';
  }[];
  connections?: ConnectionsResult;
  abuse?: AbuseResult;
  awsSim?: AwsSimResult;
}

/** Descriptors besides the connections' sockets: the other scenarios' sockets, files, the SDK's pool. */
const FILES_TO_SPARE = 1000;

/** The rate at which cost growth is measured: the default room rate, as in the latency target. */
const GROWTH_RATE = 10;

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const options = parseOptions(process.argv.slice(2));
  const started = performance.now();
  const log = (line: string) => {
    const s = Math.floor((performance.now() - started) / 1000);
    process.stderr.write(`[${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}] ${line}\n`);
  };
  const wanted = (s: Scenario) => options.only.includes(s);
  const limits = fileLimits();
  const biggestRoom = Math.max(0, ...(wanted('fanout') ? options.points.map((p) => p.receivers) : []));
  const needsStack = SCENARIOS.some((s) => !STANDALONE.includes(s) && wanted(s));
  const need = (connections: number) =>
    needsStack ? Math.max(wanted('connections') ? connections : 0, biggestRoom, 5000) + FILES_TO_SPARE : 0;
  let connectionsAsked: number | undefined;
  if (limits.soft < need(options.connections)) {
    // The clients hold as many sockets as the server: this process runs again with a higher limit
    // (a shell raises it; above the hard limit only as root), and the stack's child inherits it.
    if (!process.env.BENCH_FILE_LIMIT_RAISED) process.exit(await runWithFileLimit(need(options.connections) * 2));
    // Not raised far enough (no CAP_SYS_RESOURCE): as many connections as the limit allows, and
    // the connections target says it was not measured at its size.
    const fits = Math.floor((limits.soft - 2 * FILES_TO_SPARE) / 1000) * 1000;
    if (!wanted('connections') || fits < 1000 || limits.soft < need(fits)) {
      throw new Error(
        `this process may open ${limits.soft} files (hard limit ${limits.hard}, which it could not raise); the clients need about ${need(options.connections)}: ` +
          `raise it with 'ulimit -n ${need(options.connections) * 2}' (as root with CAP_SYS_RESOURCE), or ask for fewer (--connections, --points)`,
      );
    }
    log(
      `the open-files limit is ${limits.soft} (hard ${limits.hard}) and could not be raised: ${fits} connections instead of ${options.connections} ` +
        `(raise it with 'ulimit -n ${need(options.connections) * 2}' as root with CAP_SYS_RESOURCE)`,
    );
    connectionsAsked = options.connections;
    options.connections = fits;
  }
  const { out, ...shown } = options;
  const results: BenchResults = {
    date: new Date().toISOString(),
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      memoryGiB: round(totalmem() / 2 ** 30, 1),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
    },
    loadAverage: { start: loadAverage(), end: [] },
    fileLimit: limits.soft,
    ...(connectionsAsked === undefined ? {} : { connectionsAsked }),
    options: shown,
    durationSeconds: 0,
  };
  if (needsStack) await sharedStackScenarios(options, results, log);
  if (wanted('abuse')) {
    // A stack of its own: the figures of a fresh server, not of one holding the other scenarios' data.
    log('== abuse');
    results.abuse = await abuse(
      options.abuseSeconds,
      options.idleMinutes,
      log,
      options.serverLog ? `${options.serverLog}.abuse` : undefined,
    );
  }
  if (wanted('aws-sim')) {
    log('== aws-sim');
    results.awsSim = await awsSim(options.awsSim, log);
  }
  results.durationSeconds = round((performance.now() - started) / 1000, 1);
  results.loadAverage.end = loadAverage();
  console.log(report(results));
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  log(`results written to ${out}`);
}

/** The scenarios that share one local stack (control, fan-out, growth, connections), in that order. */
async function sharedStackScenarios(options: BenchOptions, results: BenchResults, log: Log): Promise<void> {
  const wanted = (s: Scenario) => options.only.includes(s);
  log(`starting the local stack (bin/local.ts)${options.cpuProf ? ' with --cpu-prof' : ''}`);
  const profileDir = join(ROOT, 'bench/profiles');
  if (options.cpuProf) mkdirSync(profileDir, { recursive: true });
  const stack = await startStack(options.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [], options.serverLog || undefined, {
    // The inspector, so the connections scenario can force a GC before it reads the memory.
    ...PROBE_ENV,
    // Room for the connections scenario's receivers and its sender (the default cap is 50,000).
    IVSCHAT_MAX_WS_CONNECTIONS: String(Math.max(options.connections, ...options.points.map((p) => p.receivers)) + 100),
  });
  const probe = await attachProbe(stack.child.pid, stack.child.output);
  const sdk = ivschatClient(stack.apiUrl);
  const clients = { sdk, minter: tokenMinter(stack.apiUrl) };
  try {
    log(`control plane ${stack.apiUrl}, messaging ${stack.wsUrl}, dynalite ${stack.dynamodbEndpoint}`);
    if (wanted('idle')) {
      log('== idle');
      results.idle = await idle(stack, options.idleSeconds, log);
    }
    if (wanted('control')) {
      log('== control plane');
      results.controlPlane = await controlPlane(stack, sdk, options.seconds, log);
    }
    const bySize = new Map<number, RoomSizeResult>();
    if (wanted('fanout')) {
      log('== fan-out');
      results.fanout = [];
      const sizes = [...new Set(options.points.map((p) => p.receivers))];
      for (const n of sizes) {
        const rates = options.points.filter((p) => p.receivers === n).map((p) => p.rate);
        const r = await fanout(stack, clients, n, rates, options.seconds, options.receiverProcesses, log);
        results.fanout.push(r);
        bySize.set(n, r);
      }
    }
    if (wanted('growth')) {
      log('== cost growth');
      results.growth = [];
      for (const n of options.growth) {
        const known = bySize.get(n);
        const at = known?.service.findIndex((r) => r.ratePerSecond === GROWTH_RATE) ?? -1;
        if (known && at >= 0) {
          results.growth.push({
            receivers: n,
            ratePerSecond: GROWTH_RATE,
            seconds: options.seconds,
            service: known.service[at] as FanoutResult,
            baseline: known.baseline[at] as FanoutResult,
            from: 'fanout',
          });
          continue;
        }
        const r = await fanout(stack, clients, n, [GROWTH_RATE], options.growthSeconds, options.receiverProcesses, log);
        results.growth.push({
          receivers: n,
          ratePerSecond: GROWTH_RATE,
          seconds: options.growthSeconds,
          service: r.service[0] as FanoutResult,
          baseline: r.baseline[0] as FanoutResult,
          from: 'growth',
        });
      }
    }
    if (wanted('connections')) {
      log('== connections');
      results.connections = await connections(stack, probe, clients, options.connections, options.receiverProcesses, log);
    }
  } finally {
    sdk.destroy();
    clients.minter.destroy();
    probe.close();
    log('stopping the local stack');
    await stack.child.stop(options.cpuProf ? 60_000 : 5_000);
  }
}

const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);

/** Runs this bench again, same arguments, under a shell that raised the open-files limit to `limit`. */
function runWithFileLimit(limit: number): Promise<number> {
  const node = [process.execPath, ...process.execArgv, ...process.argv.slice(1)].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  // Above the hard limit only with CAP_SYS_RESOURCE; without it, as far as the hard limit goes.
  const child = spawn('sh', ['-c', `ulimit -n ${limit} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec ${node}`], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_FILE_LIMIT_RAISED: '1' },
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
}

main().catch((err: unknown) => {
  console.error(`bench: ${(err as Error).message}`);
  process.exit(1);
});
