// The dashboard and the alarms refer only to metrics the code emits: every application metric they name (namespace
// MetricsNamespace) must be added by a countMetric / addMetric call in layers/core/src (or be Powertools' ColdStart,
// which logMetrics emits), be listed in METRICS with its unit, and carry a service dimension some function has.
// The EMF output of each is asserted where the code path that owns it is tested (tests/layers/core/...).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { METRICS } from '@ecs-sd/core';
import { loadTemplate, ROOT, type Template } from '../support/template';

const template = loadTemplate();
const resources = template.Resources as Record<string, Template>;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}
const code = sourceFiles(join(ROOT, 'layers', 'core', 'src')).map((f) => readFileSync(f, 'utf8')).join('\n');
/** Metric names the code adds, with the unit when the call names one (countMetric is always Count). */
const emitted = new Map<string, string>([
  ...[...code.matchAll(/countMetric\('(\w+)'/g)].map((m) => [m[1], 'Count'] as [string, string]),
  ...[...code.matchAll(/addMetric\('(\w+)',\s*MetricUnit\.(\w+)/g)].map((m) => [m[1], m[2]] as [string, string]),
]);
/** Emitted by the registrar's write path (issue 8): until it lands it is only referenced, never emitted elsewhere. */
const WRITE_PATH_PENDING = 'EventToDnsLatency';

const serviceNames = new Set(
  Object.values(resources)
    .filter((r) => r.Type === 'AWS::Serverless::Function')
    .map((r) => r.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME as string),
);

interface Reference { metric: string; service?: string; where: string }

/** The dashboard body with every ${...} replaced (the namespace by NS), parsed. */
function dashboard(): Template {
  const [body, variables] = resources.Dashboard.Properties.DashboardBody['Fn::Sub'] as [string, Record<string, unknown>];
  const known = new Set([...Object.keys(template.Parameters), ...Object.keys(resources), ...Object.keys(variables), 'AWS::Region']);
  const unknown = [...body.matchAll(/\$\{([\w:]+)(\.\w+)?\}/g)].map((m) => m[1]).filter((name) => !known.has(name));
  expect(unknown).toEqual([]);
  const text = body.replace(/\$\{MetricsNamespace\}/g, 'NS').replace(/\$\{EventToDnsLatencyP99ThresholdMs\}/g, '30000')
    .replace(/\$\{[\w:.]+\}/g, 'x');
  return JSON.parse(text) as Template;
}

function references(): Reference[] {
  const refs: Reference[] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::CloudWatch::Alarm' || r.Properties.Namespace?.Ref !== 'MetricsNamespace') continue;
    const service = (r.Properties.Dimensions ?? []).find((d: Template) => d.Name === 'service')?.Value;
    refs.push({ metric: r.Properties.MetricName, service, where: id });
  }
  for (const widget of dashboard().widgets as Template[]) {
    for (const line of (widget.properties.metrics ?? []) as unknown[][]) {
      if (line[0] === 'NS') {
        const i = line.indexOf('service');
        refs.push({ metric: String(line[1]), service: i > 0 ? String(line[i + 1]) : undefined, where: widget.properties.title });
      }
      const expression = (line[0] as { expression?: string })?.expression;
      for (const m of expression?.matchAll(/SEARCH\('\{NS,[^}]*\} MetricName=\\?"(\w+)\\?"/g) ?? []) {
        refs.push({ metric: m[1], where: widget.properties.title });
      }
    }
  }
  return refs;
}

describe('dashboard and alarms', () => {
  const refs = references();

  it('the dashboard body is valid JSON once substituted, and refers to the application metrics', () => {
    expect(refs.length).toBeGreaterThan(20);
    expect(template.Outputs.DashboardUrl.Value['Fn::Sub']).toMatch(/cloudwatch\/home\?region=\$\{AWS::Region\}#dashboards:name=\$\{Dashboard\}$/);
  });

  it('every application metric they name is listed in METRICS and emitted by the code with that unit', () => {
    const problems = refs.flatMap(({ metric, where }) => {
      if (!(metric in METRICS)) return [`${where}: ${metric} is not in METRICS`];
      if (metric === 'ColdStart') return /captureColdStartMetric: true/.test(code) ? [] : [`${where}: ColdStart is not captured`];
      if (metric === WRITE_PATH_PENDING && !emitted.has(metric)) return [];
      const unit = emitted.get(metric);
      if (!unit) return [`${where}: no code emits ${metric}`];
      return unit === METRICS[metric as keyof typeof METRICS] ? [] : [`${where}: ${metric} is emitted in ${unit}`];
    });
    expect(problems).toEqual([]);
  });

  it('every METRICS entry is shown on the dashboard or alarmed on', () => {
    const named = new Set(refs.map((r) => r.metric));
    expect(Object.keys(METRICS).filter((m) => !named.has(m))).toEqual([]);
  });

  it("every metric the code emits is in the README's metrics table", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('### Metrics'), readme.indexOf('### Dashboard and alarms'));
    expect([...emitted.keys()].filter((m) => !table.includes(`\`${m}\``))).toEqual([]);
  });

  it('every service dimension is the POWERTOOLS_SERVICE_NAME of a function', () => {
    expect(refs.filter((r) => r.service !== undefined && !serviceNames.has(r.service))).toEqual([]);
  });

  it('the alarms the operator needs exist, each with the runbook named, notifying the optional topic', () => {
    const alarms = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm');
    expect(alarms.map(([id]) => id).sort()).toEqual([
      'EventToDnsLatencyAlarm', 'FunctionErrorsAlarm', 'HealthCheckPanicAlarm', 'LbEventsDeadLetterQueueAlarm',
      'ReconcileRepairsAlarm', 'TaskEventsDeadLetterQueueAlarm',
    ]);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const [id, alarm] of alarms) {
      const description = JSON.stringify(alarm.Properties.AlarmDescription);
      const runbook = /Runbook: README, \\?"(Alarm: \w+)\\?"/.exec(description)?.[1];
      expect({ id, runbook: runbook && readme.includes(`### ${runbook}`) }).toEqual({ id, runbook: true });
      expect(alarm.Properties.AlarmActions).toEqual({
        'Fn::If': ['NotifyAlarms', [{ 'Fn::If': ['AlarmTopicGiven', { Ref: 'AlarmTopicArn' }, { Ref: 'AlarmTopic' }] }], { Ref: 'AWS::NoValue' }],
      });
    }
    expect(resources.ReconcileRepairsAlarm.Properties).toMatchObject({
      MetricName: 'DriftRepaired', Threshold: { Ref: 'ReconcileRepairsAlarmThreshold' }, ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(resources.EventToDnsLatencyAlarm.Properties).toMatchObject({
      MetricName: 'EventToDnsLatency', ExtendedStatistic: 'p99', Threshold: { Ref: 'EventToDnsLatencyP99ThresholdMs' },
    });
    // each dead-letter queue of the stack has its alarm
    const queues = Object.entries(resources).filter(([id, r]) => r.Type === 'AWS::SQS::Queue' && /DeadLetter/.test(id)).map(([id]) => id);
    for (const queue of queues) {
      expect(alarms.some(([, a]) => JSON.stringify(a.Properties.Dimensions ?? []).includes(`"${queue}"`))).toBe(true);
    }
  });
});
