/** `ingest-flush` queue processor: the flusher itself lives in app/telemetry/otlp/flusher.ts. */
import type { Job } from 'bullmq';
import { z } from 'zod';
import type { FlushResult, IngestFlusher } from '../app/telemetry/otlp/flusher.js';

export const IngestFlushJob = z.object({ reason: z.string().default('schedule') });
export type IngestFlushJob = z.infer<typeof IngestFlushJob>;

/** BullMQ processor for the `ingest-flush` queue (run it in the receiver's process). */
export function ingestFlushProcessor(flusher: IngestFlusher) {
  return async (job: Job): Promise<FlushResult> => {
    IngestFlushJob.parse(job.data ?? {});
    return flusher.flushOnce();
  };
}
