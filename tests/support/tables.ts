// Creates the application's DynamoDB tables in moto with the same keys the template declares.
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';

export interface Tables {
  stateTableName: string;
  idempotencyTableName: string;
}

export async function createTables(prefix = 'ecs-sd'): Promise<Tables> {
  const client = new DynamoDBClient({});
  const suffix = randomUUID().slice(0, 8);
  const stateTableName = `${prefix}-state-${suffix}`;
  const idempotencyTableName = `${prefix}-idempotency-${suffix}`;
  await client.send(
    new CreateTableCommand({
      TableName: stateTableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: stateTableName,
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    }),
  );
  await client.send(
    new CreateTableCommand({
      TableName: idempotencyTableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }),
  );
  client.destroy();
  return { stateTableName, idempotencyTableName };
}
