import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatAudit } from '../../app/cli/audit.js';
import { useColour } from '../../app/cli/colour.js';

const ANSI = new RegExp(String.fromCharCode(27) + '\\[');

describe('colour only for a person at a terminal', () => {
  it.each([
    ['a TTY', { isTTY: true }, {}, true],
    ['a pipe', { isTTY: false }, {}, false],
    ['a TTY with NO_COLOR=1', { isTTY: true }, { NO_COLOR: '1' }, false],
    ['a TTY with an empty NO_COLOR (ignored, per no-color.org)', { isTTY: true }, { NO_COLOR: '' }, true],
    ['a TTY with TERM=dumb', { isTTY: true }, { TERM: 'dumb' }, false],
    ['a pipe with FORCE_COLOR=1', { isTTY: false }, { FORCE_COLOR: '1' }, true],
  ])('%s', (_name, stream, env, expected) => {
    expect(useColour(stream, env)).toBe(expected);
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('the audit table has no escape codes when piped or with NO_COLOR, and has them on a terminal', () => {
    const entry = { id: 1, createdAt: new Date('2026-11-01T00:00:00Z'), repo: 'o/r', prNumber: 7, headSha: 'abcdef1234', actor: 'alice', channel: 'github', event: 'approve', verdict: 'pass', policyHash: 'h', reasons: ['ok'] };
    const tty = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');
    try {
      Object.defineProperty(process.stdout, 'isTTY', { value: false, configurable: true });
      expect(formatAudit([entry] as never, false)).not.toMatch(ANSI);
      Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true });
      vi.stubEnv('NO_COLOR', '1');
      expect(formatAudit([entry] as never, false)).not.toMatch(ANSI);
      vi.stubEnv('NO_COLOR', '');
      vi.stubEnv('TERM', 'xterm-256color');
      vi.stubEnv('FORCE_COLOR', '1');
      expect(formatAudit([entry] as never, false)).toMatch(ANSI);
    } finally {
      if (tty) Object.defineProperty(process.stdout, 'isTTY', tty);
      else delete (process.stdout as { isTTY?: boolean }).isTTY;
    }
  });
});
