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

/** A capacity for one what-if and where it came from, named as the user wrote it (shown in the answer). */
export interface CapacityChoice {
  capacityPerReplica: number;
  capacityFrom: string;
}

/**
 * The capacity a what-if of `service` uses: the one given with the request (`--capacity`,
 * `capacity=`), else the config's `simulation.capacityPerReplica.<service>`, else none (the
 * simulator then uses the capacity fitted from history, or an assumed one, and says which).
 */
export function chooseCapacity(given: { value: number; flag: string } | undefined, simulation: Simulation | undefined, service: string, configFile: string): CapacityChoice | undefined {
  if (given) return { capacityPerReplica: given.value, capacityFrom: given.flag };
  const configured = simulation?.capacityPerReplica[service];
  return configured === undefined ? undefined : { capacityPerReplica: configured, capacityFrom: `simulation.capacityPerReplica.${service} in ${configFile}` };
}
