/** What metrics() costs per call: prebound prom-client children, two clock reads, one histogram observe. */
import { metrics } from '@mcp-middleware/metrics';
import { pipelineCase, type BenchCase } from '../harness.js';

export const cases: BenchCase[] = [
  pipelineCase(
    'metrics',
    'metrics() on a successful call: duration histogram observe and in-flight count, fresh Registry',
    () => metrics(),
    { quick: true },
  ),
];
