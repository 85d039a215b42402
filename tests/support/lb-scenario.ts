// Load balancers in moto for the LB registrar tests, the events/cloudtrail fixtures re-pointed at them, and an LB
// registrar wired exactly as functions/lb-registrar does. Pure helpers: no assertions, no describe/it.
//
// moto quirks: an ALB needs two subnets in two AZs; a target group lists its load balancer only once a listener
// forwards to it; a Classic ELB has no CanonicalHostedZoneNameID (so ALIAS falls back to CNAME for it).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { CreateSubnetCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateLoadBalancerCommand as CreateClassicCommand,
  DeleteLoadBalancerCommand as DeleteClassicCommand,
  ElasticLoadBalancingClient,
} from '@aws-sdk/client-elastic-load-balancing';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeleteLoadBalancerCommand,
  ElasticLoadBalancingV2Client,
  type LoadBalancerTypeEnum,
  type ProtocolEnum,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { createLbRegistrar, LbStateStore, loadConfig, loadLbConfig, resetClients, type Config } from '@ecs-sd/core';
import { REGION, type ScenarioVpc } from './ecs-scenario';
import { createTables } from './tables';
import { ROOT } from './template';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Obj = Record<string, any>;

async function using<C extends { destroy(): void }, T>(client: C, fn: (client: C) => Promise<T>): Promise<T> {
  try {
    return await fn(client);
  } finally {
    client.destroy();
  }
}

export interface MotoLoadBalancer {
  arn: string;
  name: string;
  dnsName: string;
  canonicalHostedZoneId?: string;
}

export interface LbWorld {
  alb: MotoLoadBalancer;
  alb2: MotoLoadBalancer;
  nlb: MotoLoadBalancer;
  classic: MotoLoadBalancer;
  /** target groups by name: demo-web (alb), demo-web-v2 (alb2), demo-grpc (nlb), demo-idle (no load balancer) */
  targetGroups: Record<'demo-web' | 'demo-web-v2' | 'demo-grpc' | 'demo-idle', string>;
}

/** The target group ARNs the fixtures name, by target group name. */
export const FIXTURE_TARGET_GROUPS: Record<string, string> = {
  'demo-web': 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/demo-web/6d0ecf831eec9f09',
  'demo-web-v2': 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/demo-web-v2/a1b2c3d4e5f60718',
  'demo-grpc': 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/demo-grpc/3f9c1e5a7b2d4068',
};

/** ALBs demo-alb and demo-alb-2, NLB demo-nlb, Classic ELB demo-api, their target groups (see LbWorld). */
export async function createLoadBalancers(vpc: ScenarioVpc): Promise<LbWorld> {
  const secondSubnet = await using(new EC2Client({ region: REGION }), async (ec2) => {
    const { Subnet } = await ec2.send(
      new CreateSubnetCommand({ VpcId: vpc.vpcId, CidrBlock: '10.0.200.0/24', AvailabilityZone: `${REGION}b` }),
    );
    return Subnet!.SubnetId!;
  });
  return using(new ElasticLoadBalancingV2Client({ region: REGION }), async (elbv2) => {
    const loadBalancer = async (name: string, type: LoadBalancerTypeEnum): Promise<MotoLoadBalancer> => {
      const out = await elbv2.send(
        new CreateLoadBalancerCommand({ Name: name, Type: type, Subnets: [vpc.subnetId, secondSubnet], Scheme: 'internal' }),
      );
      const lb = out.LoadBalancers![0];
      return { arn: lb.LoadBalancerArn!, name, dnsName: lb.DNSName!, canonicalHostedZoneId: lb.CanonicalHostedZoneId };
    };
    const targetGroup = async (name: string, protocol: ProtocolEnum, port: number, lbArn?: string): Promise<string> => {
      const out = await elbv2.send(
        new CreateTargetGroupCommand({ Name: name, Protocol: protocol, Port: port, VpcId: vpc.vpcId, TargetType: 'ip' }),
      );
      const arn = out.TargetGroups![0].TargetGroupArn!;
      if (lbArn) {
        await elbv2.send(
          new CreateListenerCommand({
            LoadBalancerArn: lbArn,
            Protocol: protocol,
            Port: port,
            DefaultActions: [{ Type: 'forward', TargetGroupArn: arn }],
          }),
        );
      }
      return arn;
    };
    const alb = await loadBalancer('demo-alb', 'application');
    const alb2 = await loadBalancer('demo-alb-2', 'application');
    const nlb = await loadBalancer('demo-nlb', 'network');
    const targetGroups = {
      'demo-web': await targetGroup('demo-web', 'HTTP', 8080, alb.arn),
      'demo-web-v2': await targetGroup('demo-web-v2', 'HTTP', 8080, alb2.arn),
      'demo-grpc': await targetGroup('demo-grpc', 'TCP', 50051, nlb.arn),
      'demo-idle': await targetGroup('demo-idle', 'HTTP', 8080),
    };
    const classic = await using(new ElasticLoadBalancingClient({ region: REGION }), async (elb) => {
      const out = await elb.send(
        new CreateClassicCommand({
          LoadBalancerName: 'demo-api',
          Listeners: [{ Protocol: 'HTTP', LoadBalancerPort: 80, InstancePort: 80 }],
          Subnets: [vpc.subnetId],
          Scheme: 'internal',
        }),
      );
      return {
        arn: `arn:aws:elasticloadbalancing:${REGION}:123456789012:loadbalancer/demo-api`,
        name: 'demo-api',
        dnsName: out.DNSName!,
      };
    });
    return { alb, alb2, nlb, classic, targetGroups };
  });
}

export async function deleteLoadBalancer(lb: MotoLoadBalancer): Promise<void> {
  if (lb.arn.includes(':loadbalancer/app/') || lb.arn.includes(':loadbalancer/net/')) {
    await using(new ElasticLoadBalancingV2Client({ region: REGION }), (c) =>
      c.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.arn })),
    );
  } else {
    await using(new ElasticLoadBalancingClient({ region: REGION }), (c) =>
      c.send(new DeleteClassicCommand({ LoadBalancerName: lb.name })),
    );
  }
}

/** events/cloudtrail/<file>, with the fixture's target group ARNs replaced by the moto ones. */
export function cloudTrailEvent(file: string, world?: LbWorld): Obj {
  let text = readFileSync(join(ROOT, 'events', 'cloudtrail', file), 'utf8');
  if (world) {
    for (const [name, fixtureArn] of Object.entries(FIXTURE_TARGET_GROUPS)) {
      text = text.split(fixtureArn).join(world.targetGroups[name as keyof LbWorld['targetGroups']]);
    }
  }
  return JSON.parse(text) as Obj;
}

/** A copy of `event` with other CloudTrail fields (eventTime moves `time` too; a new eventID gets a new `id`). */
export function withDetail(event: Obj, changes: { eventTime?: string; eventID?: string } & Obj): Obj {
  const copy = JSON.parse(JSON.stringify(event)) as Obj;
  Object.assign(copy.detail, changes);
  if (changes.eventTime) copy.time = changes.eventTime;
  if (changes.eventID) copy.id = randomUUID();
  return copy;
}

export interface LbRegistrarFixture {
  config: Config;
  store: LbStateStore;
  handler: ReturnType<typeof createLbRegistrar>;
}

/** The LB registrar as functions/lb-registrar/index.ts builds it, on fresh tables. */
export async function createLbRegistrarFixture(
  options: { hostedZoneId: string; zoneName: string } & Partial<Record<string, string>>,
  tables?: { stateTableName: string; idempotencyTableName: string },
): Promise<LbRegistrarFixture> {
  resetClients();
  const { stateTableName, idempotencyTableName } = tables ?? (await createTables());
  const { hostedZoneId, zoneName, ...env } = options;
  const config = loadConfig({
    STATE_TABLE_NAME: stateTableName,
    IDEMPOTENCY_TABLE_NAME: idempotencyTableName,
    HOSTED_ZONE_ID: hostedZoneId,
    ZONE_NAME: zoneName,
    RECORD_TTL: '10',
    OWNER_ID: 'test-stack',
    ...env,
  });
  const store = new LbStateStore(config.stateTableName);
  return { config, store, handler: createLbRegistrar({ config, lb: loadLbConfig(env), store, safetyMarginMs: 0 }) };
}
