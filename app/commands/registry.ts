/**
 * Slash-command registry (atlantis' comment_parser + per-command authorisation). GitHub and
 * GitLab comments go through the same registry. Handlers are registered by the area that owns
 * them: the GitHub App registers help/rerun/variant/simulate/explain; Policy Guard registers
 * `approve` and `reject`, which are reserved here so nobody else takes the names.
 */
import type { Logger } from '../logger.js';
import type { PullRequestInfo } from '../vcs/platform.js';

/** `read`: anyone who can comment (help, explain, simulate). `write`: changes the branch or the verdict. */
export type CommandPermission = 'read' | 'write';

export const RESERVED_COMMANDS = ['approve', 'reject'] as const;

/** What a handler knows about the comment that invoked it. */
export interface CommandInvocation {
  platform: 'github' | 'gitlab';
  owner: string;
  repo: string;
  installationId?: number;
  /** PR (GitHub) or MR iid (GitLab). */
  prNumber: number;
  headSha?: string;
  headRef?: string;
  commentId: number;
  /** Login of the comment's author (GitHub) or username (GitLab). */
  author: string;
  /** The comment was edited by someone other than its author (Policy Guard ignores those). */
  editedByOther?: boolean;
  /** Positional words after the command name. */
  args: string[];
  /** `key=value` words after the command name. */
  options: Record<string, string>;
  /** The full comment line, for audit. */
  raw: string;
  /** The PR the comment is on, fetched once on first use (scoped commands read its service marker). */
  pullRequest?: () => Promise<PullRequestInfo>;
}

export interface CommandResult {
  /** Markdown answered in the command's topic comment (edited in place). */
  reply: string;
  /** Topic of the bot comment; one comment per topic. Defaults to the command name. */
  topic?: string;
  /**
   * Work started only after the reply is written (enqueueing a job that answers in the same
   * topic): the job then finds the comment and edits it, instead of racing the dispatcher to
   * create it, which left two comments.
   */
  after?: () => Promise<void>;
}

export interface CommandContext {
  invocation: CommandInvocation;
  logger: Logger;
}

export interface CommandHandler {
  name: string;
  /** One line for /slo-scout help. */
  summary: string;
  /** Usage line, e.g. `variant <conservative|balanced|aggressive> [slo-id]`. */
  usage: string;
  permission: CommandPermission;
  run(ctx: CommandContext): Promise<CommandResult>;
}

export class CommandRegistryError extends Error {}

export class CommandRegistry {
  readonly #handlers = new Map<string, CommandHandler>();

  /** Registers a handler; a second handler with the same name is a programming error. */
  register(handler: CommandHandler): this {
    const name = handler.name.toLowerCase();
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new CommandRegistryError(`command name "${handler.name}" must be lowercase letters, digits and dashes`);
    if (this.#handlers.has(name)) throw new CommandRegistryError(`command "${name}" is registered twice; each command has exactly one owner`);
    this.#handlers.set(name, { ...handler, name });
    return this;
  }

  get(name: string): CommandHandler | undefined {
    return this.#handlers.get(name.toLowerCase());
  }

  list(): CommandHandler[] {
    return [...this.#handlers.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Reserved names not (yet) registered: shown in help as coming from their owner. */
  missingReserved(): string[] {
    return RESERVED_COMMANDS.filter((n) => !this.#handlers.has(n));
  }

  /** Markdown help: every command, its usage and who may run it. */
  helpText(prefix = '/slo-scout'): string {
    const rows = this.list().map((h) => `| \`${prefix} ${h.usage}\` | ${h.summary} | ${h.permission === 'write' ? 'write access' : 'everyone'} |`);
    return ['| command | what it does | who may run it |', '|---|---|---|', ...rows].join('\n');
  }
}
