/**
 * The "Examples:" block under each command's --help: the commands people copy first, with real
 * flags. One place so the wording stays consistent; each command file adds its block with
 * `.addHelpText('after', examples('name'))`.
 */
const EXAMPLES: Record<string, string[]> = {
  analyze: [
    'slo-scout analyze --prometheus http://localhost:9090',
    'slo-scout analyze --config .slo-scout.yml --window 14d --format sloth --out slo-proposals',
    'slo-scout analyze --prometheus http://prometheus:9090 --end 2026-11-01T00:00:00Z --json > report.json',
    'slo-scout analyze --source store --tenant shop   # from the OTLP intake (DATABASE_URL)',
  ],
  demo: [
    'slo-scout demo',
    'slo-scout demo --seed 7 --out /tmp/demo && slo-scout validate /tmp/demo',
    'slo-scout demo --json | jq \'.proposals[] | {sloId, selectedVariant}\'',
  ],
  simulate: [
    'slo-scout simulate --report slo-proposals --service checkout --traffic-multiplier 1.5',
    'slo-scout simulate --report slo-proposals --service payments --replicas 3 --capacity 120',
    'slo-scout simulate --prometheus http://localhost:9090 --service payments --canary-percentage 10 --deployment-version v2.3.0',
  ],
  capsules: [
    'slo-scout capsules app.log',
    'slo-scout capsules --format "<Date> <Time> <Level> <Component>: <Content>" --top 10 hdfs.log',
  ],
  serve: [
    'slo-scout serve                      # GitHub App: APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, DATABASE_URL, REDIS_URL',
    'PORT=8080 LOG_FORMAT=json slo-scout serve',
  ],
  worker: [
    'slo-scout worker',
    'slo-scout worker --metrics-port 0    # no /metrics endpoint',
  ],
  migrate: ['DATABASE_URL=postgres://postgres@localhost/slo_scout slo-scout migrate'],
  audit: [
    'slo-scout audit --repo acme/shop',
    'slo-scout audit --repo acme/shop --pr 42 --json',
  ],
  setup: [
    'slo-scout setup                      # register the GitHub App from app.yml, write .env',
    'slo-scout setup --org acme --no-open',
  ],
  completion: [
    'slo-scout completion bash > /etc/bash_completion.d/slo-scout',
    'slo-scout completion zsh > "${fpath[1]}/_slo-scout"',
  ],
};

export function examples(command: string): string {
  const lines = EXAMPLES[command] ?? [];
  return lines.length ? `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n` : '';
}
