import cliProgress from 'cli-progress';
import type { AnalysisProgress } from '../pipeline.js';

const LABEL: Record<AnalysisProgress['phase'], string> = { fetch: 'querying', recommend: 'analysing', enrich: 'evidence' };

/**
 * A progress bar on stderr when it is a terminal; nothing otherwise (CI logs and pipes stay clean,
 * and stdout stays free for --json).
 */
export function createProgress(stream: NodeJS.WriteStream = process.stderr): { onProgress: (p: AnalysisProgress) => void; stop: () => void } {
  if (!stream.isTTY) return { onProgress: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar({
    stream,
    format: '{phase} [{bar}] {value}/{total}',
    hideCursor: true,
    clearOnComplete: true,
  }, cliProgress.Presets.shades_classic);
  let started = false;
  let phase: AnalysisProgress['phase'] | undefined;
  return {
    onProgress: (p) => {
      if (!started) {
        bar.start(Math.max(1, p.total), p.done, { phase: LABEL[p.phase] });
        started = true;
      } else if (p.phase !== phase) {
        bar.setTotal(Math.max(1, p.total));
      }
      phase = p.phase;
      bar.update(p.done, { phase: LABEL[p.phase] });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
