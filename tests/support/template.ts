// Parses template.yaml with CloudFormation's short-form tags (!Ref, !Sub, !GetAtt, ...) kept as plain objects,
// so tests can check names, references, IAM and build settings without the SAM CLI.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, type Tags } from 'yaml';

const SCALAR_OR_SEQ_TAGS = [
  'Ref', 'Sub', 'GetAtt', 'Join', 'Select', 'Split', 'If', 'Equals', 'Not', 'And', 'Or', 'FindInMap',
  'GetAZs', 'Base64', 'Cidr', 'ImportValue', 'Condition', 'Transform',
];

const cfnTags: Tags = SCALAR_OR_SEQ_TAGS.flatMap((name) => {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
  const resolve = (value: unknown) =>
    ({ [key]: name === 'GetAtt' && typeof value === 'string' ? value.split('.') : value });
  return [
    { tag: `!${name}`, resolve: (v: string) => resolve(v) },
    { tag: `!${name}`, collection: 'seq' as const, resolve: (v: { toJSON(): unknown }) => resolve(v.toJSON()) },
    { tag: `!${name}`, collection: 'map' as const, resolve: (v: { toJSON(): unknown }) => resolve(v.toJSON()) },
  ];
}) as unknown as Tags;

export const ROOT = join(__dirname, '..', '..');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Template = Record<string, any>;

export function loadTemplate(path = join(ROOT, 'template.yaml')): Template {
  return parse(readFileSync(path, 'utf8'), { customTags: cfnTags, maxAliasCount: -1 }) as Template;
}
