import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AbuseResult, abuse } from './abuse';
import { AwsSimOptions, AwsSimResult, DEFAULT_AWS_SIM, awsSim } from './aws-sim';
import { ivschatClient } from './clients';
import type { FanoutResult } from './fanout';
import { ROOT, fileLimits, startStack } from './processes';
import { report } from './report';
import { ConnectionsResult, ControlPlaneResult, Log, RoomSizeResult, connections, controlPlane, fanout } from './scenarios';
import { round } from './stats';

const SCENARIOS = ['control', 'fanout', 'growth', 'connections', 'abuse', 'aws-sim'] as const;
/** Scenarios that need no local stack: abuse starts its own, aws-sim simulates AWS. */
const STANDALONE: readonly Scenario[] = ['abuse', 'aws-sim'];
type Scenario = (typeof SCENARIOS)[number];

const HELP = `npm run bench [-- options]
  --only LIST        scenarios to run, of: ${SCENARIOS.join(', ')} (default: all)
  --receivers LIST   fan-out room sizes (default 100,1000)
  --rates LIST       fan-out send rates, msg/s (default 100,10)
  --seconds N        length of each control-plane and fan-out run (default 10)
  --growth LIST      cost-growth room sizes, at 10 msg/s (default 10,100,1000,5000)
  --growth-seconds N length of each cost-growth run not already measured by fan-out (default 5)
  --connections N    connections held (default 10000)
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
  receivers: number[];
  rates: number[];
  seconds: number;
  growth: number[];
  growthSeconds: number;
  connections: number;
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
    receivers: [100, 1000],
    rates: [100, 10],
    seconds: 10,
    growth: [10, 100, 1000, 5000],
    growthSeconds: 5,
    connections: 10_000,
    abuseSeconds: 20,
    idleMinutes: 5,
    awsSim: { ...DEFAULT_AWS_SIM },
    cpuProf: false,
    serverLog: '',
    out: '',
  };
  let partial = false;
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
      case '--receivers':
        options.receivers = list(take());
        break;
      case '--rates':
        options.rates = list(take());
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
  if (!(options.abuseSeconds >= 3)) throw new Error(`--abuse-seconds must be at least 3\n${HELP}`);
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
  const need = wanted('connections') ? options.connections + 1000 : SCENARIOS.some((s) => !STANDALONE.includes(s) && wanted(s)) ? 6000 : 0;
  if (limits.soft < need) {
    throw new Error(
      `this process may open ${limits.soft} files (hard limit ${limits.hard}); the clients need about ${need}: raise it with 'ulimit -n ${limits.hard}'`,
    );
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
    options: shown,
    durationSeconds: 0,
  };
  if (SCENARIOS.some((s) => !STANDALONE.includes(s) && wanted(s))) await sharedStackScenarios(options, results, log);
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
  const stack = await startStack(options.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [], options.serverLog || undefined);
  const sdk = ivschatClient(stack.apiUrl);
  try {
    log(`control plane ${stack.apiUrl}, messaging ${stack.wsUrl}, dynalite ${stack.dynamodbEndpoint}`);
    if (wanted('control')) {
      log('== control plane');
      results.controlPlane = await controlPlane(stack, sdk, options.seconds, log);
    }
    const bySize = new Map<number, RoomSizeResult>();
    if (wanted('fanout')) {
      log('== fan-out');
      results.fanout = [];
      for (const n of options.receivers) {
        const r = await fanout(stack, sdk, n, options.rates, options.seconds, log);
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
        const r = await fanout(stack, sdk, n, [GROWTH_RATE], options.growthSeconds, log);
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
      results.connections = await connections(stack, sdk, options.connections, log);
    }
  } finally {
    sdk.destroy();
    log('stopping the local stack');
    await stack.child.stop(options.cpuProf ? 60_000 : 5_000);
  }
}

main().catch((err: unknown) => {
  console.error(`bench: ${(err as Error).message}`);
  process.exit(1);
});
