export { run, DEFAULT_URL, EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED } from './run.js';
export { parseCommandLine, generalHelp, commandHelp } from './args.js';
export { commands } from './commands/index.js';
export { defineCommand, UsageError, Interrupted, type Command, type Context, type Io, type Outcome } from './command.js';
export { CliHome, cliHomeDir, type Session } from './session-store.js';
export { createPrompter, type Prompter, type PrompterOptions } from './prompt.js';
