/**
 * The adapter config the fault tests share: `gpu_load` per pod (custom metrics) and `queue_depth`
 * per queue (external metrics), the cache off so every request reaches the backend, short timeouts.
 */
import { stringify } from "yaml";

export function gpuAndQueueConfig(): string {
  return stringify({
    // Cache off: each request reaches the backend, so a fault shows at once and recovery too.
    adapter: { relistInterval: "1m", maxAge: "1m", rediscoveryInterval: "1s", cacheTTL: "0s" },
    prometheus: { timeout: "1s" },
    rules: [
      {
        seriesQuery: 'gpu_load{namespace!="",pod!=""}',
        resources: { template: "<<.Resource>>" },
        metricsQuery: "sum by (<<.GroupBy>>) (<<.Series>>{<<.LabelMatchers>>})",
      },
    ],
    externalRules: [
      {
        seriesQuery: 'queue_depth{namespace!=""}',
        resources: { overrides: { namespace: { resource: "namespace" } } },
        metricsQuery: "sum by (queue) (<<.Series>>{<<.LabelMatchers>>})",
      },
    ],
  });
}
