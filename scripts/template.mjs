// Reads template.yaml with CloudFormation's short-form tags (!Ref, !Sub, !GetAtt, ...) turned into their long form
// ({ Ref }, { 'Fn::Sub' }, ...), the same way tests/support/template.ts does, for the build scripts.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const TAGS = [
  'Ref', 'Sub', 'GetAtt', 'Join', 'Select', 'Split', 'If', 'Equals', 'Not', 'And', 'Or', 'FindInMap',
  'GetAZs', 'Base64', 'Cidr', 'ImportValue', 'Condition', 'Transform',
];

const customTags = TAGS.flatMap((name) => {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
  const wrap = (value) => ({ [key]: name === 'GetAtt' && typeof value === 'string' ? value.split('.') : value });
  return [
    { tag: `!${name}`, resolve: (value) => wrap(value) },
    { tag: `!${name}`, collection: 'seq', resolve: (value) => wrap(value.toJSON()) },
    { tag: `!${name}`, collection: 'map', resolve: (value) => wrap(value.toJSON()) },
  ];
});

/** @returns {Record<string, any>} the parsed template */
export function loadTemplate(path = join(ROOT, 'template.yaml')) {
  return parse(readFileSync(path, 'utf8'), { customTags, maxAliasCount: -1 });
}

/** Resources of one type, as [logicalId, resource] pairs in template order. */
export function resourcesOfType(template, type) {
  return Object.entries(template.Resources ?? {}).filter(([, resource]) => resource?.Type === type);
}
