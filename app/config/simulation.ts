import { z } from 'zod';

/**
 * `simulation:` in `.slo-scout.yml`. History often cannot identify how much load one replica takes
 * (latency did not rise with load), so the what-if assumes a utilisation; a measured capacity from a
 * load test replaces that guess: `simulation: { capacityPerReplica: { checkout: 120 } }` (req/s).
 */
export const Simulation = z.object({
  capacityPerReplica: z.record(z.string().min(1), z.number().positive().max(1e9)).default({}),
}).strict();
export type Simulation = z.infer<typeof Simulation>;
