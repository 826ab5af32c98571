import { RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ChatTable } from './constructs/chat-table';

export interface IvsChatStackProps extends StackProps {
  /** Dev stacks may drop their data on `cdk destroy`. */
  removalPolicy?: RemovalPolicy;
}

/**
 * The AWS deployment. So far it holds the data layer the handlers use; the REST and WebSocket APIs
 * and their functions are added on top of the same handler modules by the deploy issue.
 */
export class IvsChatStack extends Stack {
  readonly table: ChatTable;

  constructor(scope: Construct, id: string, props: IvsChatStackProps = {}) {
    super(scope, id, props);
    this.table = new ChatTable(this, 'Data', { removalPolicy: props.removalPolicy });
  }
}
