// The picking core's public surface, for picker/, plugin/ and bench/.
export type { Endpoint, EndpointMetrics, InferenceRequest, PickResult } from './types.js';
export type { FilterPlugin, PickContext, PickerPlugin, Plugin, PluginKind, ScorerPlugin, SlotView } from './framework.js';
export { RoutingScheduler, DEFAULT_METRICS_STALENESS_MS, type RoutingSchedulerOptions } from './scheduler.js';
export {
  API_VERSION,
  DEFAULT_CONFIG_YAML,
  KIND,
  KINFER_CONFIG_YAML,
  parsePickerConfig,
  pickerConfigToYaml,
  prefixBlockSizeOf,
  singleProfileConfigYaml,
  validatePickerConfig,
  type PickerConfig,
  type PluginConfig,
  type ProfilePluginRef,
  type SchedulingProfileConfig,
  type ScorerWeight,
} from './config.js';
export { blockHashes, estimateTokens, PrefixIndex, CHARS_PER_TOKEN, DEFAULT_PREFIX_BLOCK_SIZE } from './prefix.js';
export { PICKER_SHORT_NAMES, PLUGIN_TYPE_NAMES, pluginType, SCORER_SHORT_NAMES } from './registry.js';
