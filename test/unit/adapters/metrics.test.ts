import { METRICS_SERVICE, createEmfMetrics } from '../../../lambdas/adapters/metrics';

/** The EMF adapter writes one CloudWatch EMF line per publish, to stdout as Lambda reads it. */
function capture(run: () => void): string[] {
  const lines: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    run();
  } finally {
    write.mockRestore();
  }
  return lines;
}

test('counts are summed and written as one EMF line per publish, then cleared', () => {
  const metrics = createEmfMetrics({ namespace: 'IvsChat/Test' });
  const lines = capture(() => {
    metrics.count('Deliveries', 3);
    metrics.count('Deliveries', 4);
    metrics.count('Dropped', 0);
    metrics.publish();
  });
  expect(lines).toHaveLength(1);
  const emf = JSON.parse(lines[0] as string) as Record<string, unknown> & {
    _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  };
  expect(emf).toMatchObject({ service: METRICS_SERVICE, Deliveries: 7, Dropped: 0 });
  const [directive] = emf._aws.CloudWatchMetrics;
  expect(directive).toMatchObject({ Namespace: 'IvsChat/Test', Dimensions: [['service']] });
  expect(directive?.Metrics).toEqual(
    expect.arrayContaining([
      { Name: 'Deliveries', Unit: 'Count' },
      { Name: 'Dropped', Unit: 'Count' },
    ]),
  );
  expect(capture(() => metrics.publish())).toEqual([]);
});

test('an invocation that counted nothing writes nothing, not even a warning', () => {
  const metrics = createEmfMetrics({ namespace: 'IvsChat/Test' });
  const warn = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    expect(capture(() => metrics.publish())).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
  } finally {
    warn.mockRestore();
  }
});
