/**
 * Issue 10, item 2: policy paths that match the output. The default `applies_to` follows
 * `output.path`, and known services are counted from what the output layout says is a service,
 * for each output format, with the default and a custom path.
 */
import { describe, it, expect } from 'vitest';
import picomatch from 'picomatch';
import { renderFileSet, OUTPUT_FORMATS } from '../../app/export/index.js';
import { defaultPolicyPaths, knownServicesInLayout } from '../../app/export/layout.js';
import { parsePolicySections } from '../../app/config/policies.js';
import { countServicesInTree, outputOf } from '../../app/policy/service.js';
import { fixture } from '../export/fixtures.js';

const report = fixture('fleet');
const services = new Set(report.proposals.map((p) => p.service));
const POLICY = (output: string) => `${output}policies:\n  - policy_id: blast\n    max_services: 10%\n    approval_required: true\n    approvers: { users: [alice] }\n`;

describe.each(OUTPUT_FORMATS)('the %s format', (format) => {
  it.each([
    ['the default path', undefined, 'slo-proposals'],
    ['a custom path', './deploy/slo/', 'deploy/slo'],
  ])('with %s, the default policy covers every generated file and counts one service per service folder', (_name, path, dir) => {
    const yaml = POLICY(`output: { format: ${format}${path ? `, path: "${path}"` : ''} }\n`);
    const parsed = parsePolicySections(yaml);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const globs = parsed.config.policies[0]!.applies_to.paths;
    expect(globs).toEqual([`${dir}/slos/**`]);
    // The files as the GitHub App commits them: the file set under output.path (PULL_REQUEST.md is the PR body).
    const files = renderFileSet(report, { format }).filter((f) => f.path !== 'PULL_REQUEST.md').map((f) => `${dir}/${f.path}`);
    const inPolicy = files.filter((f) => picomatch(globs, { dot: true })(f));
    expect(inPolicy.filter((f) => f.includes('/slos/'))).toEqual(files.filter((f) => f.includes('/slos/')));
    const output = outputOf(parsed.config);
    expect(output).toEqual({ format, path: path ?? 'slo-proposals' });
    // Other files in the repo (code, other formats' leftovers, a README in the folder) are not services.
    const tree = [...files, 'src/main.go', `${dir}/README.md`, `${dir}/slos/README.md`, 'slos/legacy.yaml'];
    expect(countServicesInTree(tree, output, globs)).toBe(services.size);
    expect(services.size).toBeGreaterThan(1);
  });
});

describe('known services', () => {
  it('a spec of another format in the folder is not a service of this format', () => {
    expect(knownServicesInLayout(['slo-proposals/slos/a/a-x.sloth.yaml', 'slo-proposals/slos/b/b-x.openslo.yaml'], { format: 'openslo', path: 'slo-proposals' })).toBe(1);
  });

  it('a hand-written layout (slos/<service>.yaml) still counts one service per entry below the glob', () => {
    expect(countServicesInTree(['slos/checkout.yaml', 'slos/payments.yaml', 'slos/search/latency.yaml', 'README.md'], { format: 'openslo', path: 'slo-proposals' }, ['slos/**'])).toBe(3);
  });

  it('an explicit applies_to.paths is kept; the default follows output.path at the repository root too', () => {
    const kept = parsePolicySections(POLICY('').replace('approval_required', 'applies_to: { paths: ["custom/**"] }\n    approval_required'));
    expect(kept.ok && kept.config.policies[0]!.applies_to.paths).toEqual(['custom/**']);
    expect(defaultPolicyPaths('.')).toEqual(['slos/**']);
    const services = parsePolicySections(POLICY('output: { path: out }\n').replace('approval_required', 'applies_to: { services: [checkout] }\n    approval_required'));
    expect(services.ok && services.config.policies[0]!.applies_to).toEqual({ paths: ['out/slos/**'], services: ['checkout'] });
  });
});
