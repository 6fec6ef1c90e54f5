import { describe, expect, it } from 'vitest';
import { parseComment } from '../../app/commands/parse.js';

describe('parseComment', () => {
  const cases: { name: string; body: string; expected: unknown }[] = [
    { name: 'a comment without a command is not a command', body: 'looks good to me', expected: { kind: 'none' } },
    { name: 'a bare prefix is a command with an empty name (answered with help)', body: '/slo-scout', expected: { kind: 'command', command: { name: '', args: [], options: {}, raw: '/slo-scout' } } },
    { name: 'the name is lower-cased and positional words become args', body: '/slo-scout VARIANT aggressive checkout-latency', expected: { kind: 'command', command: { name: 'variant', args: ['aggressive', 'checkout-latency'], options: {}, raw: '/slo-scout VARIANT aggressive checkout-latency' } } },
    { name: 'key=value words become options', body: '/slo-scout simulate replicas=5 traffic=1.2 canary=10 version=v1.4.2', expected: { kind: 'command', command: { name: 'simulate', args: [], options: { replicas: '5', traffic: '1.2', canary: '10', version: 'v1.4.2' }, raw: '/slo-scout simulate replicas=5 traffic=1.2 canary=10 version=v1.4.2' } } },
    { name: 'quoted words stay together', body: '/slo-scout explain "checkout latency"', expected: { kind: 'command', command: { name: 'explain', args: ['checkout latency'], options: {}, raw: '/slo-scout explain "checkout latency"' } } },
    { name: 'a command on a later line is found', body: 'thanks!\n\n/slo-scout rerun\n', expected: { kind: 'command', command: { name: 'rerun', args: [], options: {}, raw: '/slo-scout rerun' } } },
    { name: 'a quoted reply does not run the command again', body: '> /slo-scout rerun\nok', expected: { kind: 'none' } },
    { name: 'a command inside a code fence is documentation, not a command', body: '```\n/slo-scout rerun\n```', expected: { kind: 'none' } },
    { name: 'a longer word that merely starts with the prefix is not a command', body: '/slo-scouting rerun', expected: { kind: 'none' } },
    { name: 'environment variables are not expanded', body: '/slo-scout explain $HOME', expected: { kind: 'command', command: { name: 'explain', args: ['$HOME'], options: {}, raw: '/slo-scout explain $HOME' } } },
  ];
  it.each(cases)('$name', ({ body, expected }) => {
    expect(parseComment(body)).toEqual(expected);
  });

  it('refuses shell operators and says how to quote them', () => {
    const out = parseComment('/slo-scout explain a; rm -rf /');
    expect(out.kind).toBe('invalid');
    expect(out.kind === 'invalid' && out.message).toMatch(/unexpected ";".*quote/);
  });
});
