import Delete from './commands/delete.js';
import Deploy from './commands/deploy.js';
import List from './commands/list.js';

/** Every `kubectl inference` command (oclif's explicit command discovery: no manifest, no directory scan). */
export const COMMANDS = {
  deploy: Deploy,
  list: List,
  delete: Delete,
};
