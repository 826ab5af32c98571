import {
  loggingConfigurationIdOf,
  newLoggingConfiguration,
  toLoggingConfigurationOutput,
  toLoggingConfigurationPatch,
} from '../../../lambdas/domain/logging-configuration';
import { ResourceNotFoundException } from '../../../lambdas/shared/errors';

const scope = { region: 'us-west-2', accountId: '123456789012' };
const fixed = { newId: () => 'LoGcOnFiG123', now: () => new Date('2024-01-01T00:00:00Z') };

test('a new configuration is ACTIVE, with an ARN, both times, an empty name and tags by default (TV11)', () => {
  const configuration = newLoggingConfiguration({ destinationConfiguration: { s3: { bucketName: 'my-bucket' } } }, scope, fixed);
  expect(toLoggingConfigurationOutput(configuration)).toEqual({
    arn: 'arn:aws:ivschat:us-west-2:123456789012:logging-configuration/LoGcOnFiG123',
    id: 'LoGcOnFiG123',
    createTime: '2024-01-01T00:00:00.000Z',
    updateTime: '2024-01-01T00:00:00.000Z',
    name: '',
    destinationConfiguration: { s3: { bucketName: 'my-bucket' } },
    state: 'ACTIVE',
    tags: {},
  });
});

test('the patch of an update holds only the members given', () => {
  expect(toLoggingConfigurationPatch({ identifier: 'x', name: 'n' })).toEqual({ name: 'n' });
  expect(toLoggingConfigurationPatch({ identifier: 'x', destinationConfiguration: { firehose: { deliveryStreamName: 'f' } } })).toEqual({
    destinationConfiguration: { firehose: { deliveryStreamName: 'f' } },
  });
});

test('loggingConfigurationIdOf accepts only ARNs of this region and account', () => {
  expect(loggingConfigurationIdOf('arn:aws:ivschat:us-west-2:123456789012:logging-configuration/LoGcOnFiG123', scope)).toBe('LoGcOnFiG123');
  for (const arn of [
    'arn:aws:ivschat:eu-west-1:123456789012:logging-configuration/LoGcOnFiG123',
    'arn:aws:ivschat:us-west-2:999999999999:logging-configuration/LoGcOnFiG123',
  ]) {
    expect(() => loggingConfigurationIdOf(arn, scope)).toThrow(ResourceNotFoundException);
    expect(() => loggingConfigurationIdOf(arn, scope)).toThrow(
      expect.objectContaining({ resourceType: 'LOGGING_CONFIGURATION', resourceId: 'LoGcOnFiG123' }),
    );
  }
});
