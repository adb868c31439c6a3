import Bench from './commands/bench.js';
import Completion from './commands/completion.js';
import Delete from './commands/delete.js';
import Deploy from './commands/deploy.js';
import List from './commands/list.js';
import ListNodes from './commands/list/nodes.js';
import Models from './commands/models.js';
import ProfilesDelete from './commands/profiles/delete.js';
import ProfilesExport from './commands/profiles/export.js';
import ProfilesImport from './commands/profiles/import.js';
import ProfilesList from './commands/profiles/list.js';
import Recommend from './commands/recommend.js';
import RouteApply from './commands/route/apply.js';
import RouteInstall from './commands/route/install.js';
import RouteSet from './commands/route/set.js';
import RouteShow from './commands/route/show.js';
import Top from './commands/top.js';
import Version from './commands/version.js';

/** Every `kubectl inference` command (oclif's explicit command discovery: no manifest, no directory scan). */
export const COMMANDS = {
  deploy: Deploy,
  list: List,
  'list:nodes': ListNodes,
  delete: Delete,
  'route:show': RouteShow,
  'route:set': RouteSet,
  'route:apply': RouteApply,
  'route:install': RouteInstall,
  top: Top,
  recommend: Recommend,
  models: Models,
  bench: Bench,
  'profiles:list': ProfilesList,
  'profiles:import': ProfilesImport,
  'profiles:export': ProfilesExport,
  'profiles:delete': ProfilesDelete,
  version: Version,
  completion: Completion,
};
