import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE } from '../../lambdas/data/table';

export interface ChatTableProps {
  /** RETAIN (the default) keeps rooms when the stack is deleted; DESTROY suits throwaway dev stacks. */
  removalPolicy?: RemovalPolicy;
}

/** The single DynamoDB table, built from lambdas/data/table.ts so keys and indexes match the code. */
export class ChatTable extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string, props: ChatTableProps = {}) {
    super(scope, id);
    const string = (name: string) => ({ name, type: AttributeType.STRING });
    this.table = new TableV2(this, 'Table', {
      partitionKey: string(TABLE.partitionKey),
      sortKey: string(TABLE.sortKey),
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE.ttlAttribute,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      globalSecondaryIndexes: Object.values(TABLE.indexes).map((index) => ({
        indexName: index.indexName,
        partitionKey: string(index.partitionKey),
        sortKey: string(index.sortKey),
        projectionType: ProjectionType[index.projection],
      })),
    });
  }
}
