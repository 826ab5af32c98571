import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/shared/env';
import type { ChatFunction } from './chat-function';

/**
 * The chat-token key set in Secrets Manager, generated at deploy as `{"current":"k1","k1":"…"}`:
 * 43 alphanumerics, which read as base64url are 32 random bytes (an A256GCM key). Functions re-read
 * it at most every 5 minutes. Rotation (README): add `k2`, then make it `current`, then remove `k1`,
 * each step more than 5 minutes after the last.
 */
export class TokenKeys extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string, props: { removalPolicy?: RemovalPolicy } = {}) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      description: 'IVS Chat compatible service: chat-token encryption keys (JWE A256GCM)',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ current: 'k1' }),
        generateStringKey: 'k1',
        passwordLength: 43,
        excludePunctuation: true,
        includeSpace: false,
      },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Keys are rotated by adding a key and switching `current` (see README); a rotation Lambda would have to keep old keys, which the generic one does not.',
    });
  }

  /** Points the function at the secret and lets it read (only) this secret's value. */
  bind(fn: ChatFunction & IGrantable): void {
    fn.addEnvironment(ENV.tokenKeysSecretArn, this.secret.secretArn);
    // Not grantRead: that adds DescribeSecret, which the functions never call.
    fn.addToRolePolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.secret.secretArn] }));
  }
}
