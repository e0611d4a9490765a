/** The commands that talk to a running server or draw graphs, added to the `stepwright` program. */
import type { Command } from 'commander';
import { registerGraphCommand } from './graph';
import { registerConsoleCommand } from './console-proxy';
import { registerServerCommandsOn } from './server-commands';

export function registerServerCommands(program: Command): void {
  registerServerCommandsOn(program);
  registerGraphCommand(program);
  registerConsoleCommand(program);
}
