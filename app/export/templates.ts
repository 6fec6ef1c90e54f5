import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

/**
 * templates/ sits at the package root, two levels above app/export when run from source and three above
 * dist/app/export when built: walk up instead of hard-coding either layout.
 */
function templatesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'templates');
    if (existsSync(join(candidate, 'pull-request.md.hbs'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`templates/pull-request.md.hbs not found above ${fileURLToPath(import.meta.url)}; the package must ship its templates/ folder (package.json "files")`);
}

let cached: HandlebarsTemplateDelegate | undefined;

/** The compiled PR body template; read once per process (templates are part of the release, not user input). */
export function pullRequestTemplate(): HandlebarsTemplateDelegate {
  if (cached) return cached;
  const dir = templatesDir();
  const hbs = Handlebars.create();
  for (const name of ['slo', 'steer']) {
    hbs.registerPartial(name, readFileSync(join(dir, 'partials', `${name}.md.hbs`), 'utf8'));
  }
  // noEscape: the output is Markdown, not HTML; the view model escapes every value for Markdown itself.
  cached = hbs.compile(readFileSync(join(dir, 'pull-request.md.hbs'), 'utf8'), { noEscape: true, strict: false });
  return cached;
}
