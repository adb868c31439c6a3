// kube-scheduler's node sampling, as the extender sees it: the scheduler runs its own filters over the nodes,
// starting where the last cycle stopped, and stops once it has found numFeasibleNodesToFind feasible nodes; only
// those go to the extender's filter and prioritize. Reproduced from kubernetes pkg/scheduler/schedule_one.go
// (findNodesThatPassFilters, numFeasibleNodesToFind; v1.25+ — the same code through v1.34):
//
//   minFeasibleNodesToFind = 100, minFeasibleNodesPercentageToFind = 5
//   if numAllNodes < minFeasibleNodesToFind { return numAllNodes }
//   percentage = profile or global percentageOfNodesToScore
//   if percentage == 0 { percentage = 50 - numAllNodes/125; if percentage < 5 { percentage = 5 } }
//   numNodes = numAllNodes * percentage / 100; if numNodes < 100 { return 100 }
//   (and `>= 100` percent scores every node)
//   processedNodes = feasible + rejected; nextStartNodeIndex = (nextStartNodeIndex + processedNodes) % len(nodes)
//
// The scheduler's filters here are what matter for an accelerator pod: NodeResourcesFit on the device resource.

const MIN_FEASIBLE_NODES_TO_FIND = 100;
const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/** kube-scheduler's numFeasibleNodesToFind; `percentageOfNodesToScore` 0 (unset) is the adaptive default. */
export function numFeasibleNodesToFind(percentageOfNodesToScore: number, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND || percentageOfNodesToScore >= 100) return numAllNodes;
  let percentage = percentageOfNodesToScore;
  if (percentage === 0) {
    percentage = 50 - Math.trunc(numAllNodes / 125);
    if (percentage < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) percentage = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const numNodes = Math.trunc((numAllNodes * percentage) / 100);
  return numNodes < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : numNodes;
}

/** The rotating window: which nodes one scheduling cycle sends to the extender. */
export class NodeSampler {
  private nextStart = 0;

  constructor(
    private readonly names: readonly string[],
    private readonly percentageOfNodesToScore: number,
  ) {}

  get feasibleToFind(): number {
    return numFeasibleNodesToFind(this.percentageOfNodesToScore, this.names.length);
  }

  /**
   * One cycle: walk the nodes from where the last cycle stopped, keep those `feasible` says yes to (the
   * scheduler's own filters), stop at feasibleToFind of them. Returns them in walk order, and how many nodes
   * the walk visited.
   */
  window(feasible: (name: string) => boolean): { found: string[]; processed: number } {
    const want = this.feasibleToFind;
    const found: string[] = [];
    let processed = 0;
    for (let i = 0; i < this.names.length && found.length < want; i += 1) {
      const name = this.names[(this.nextStart + i) % this.names.length]!;
      processed += 1;
      if (feasible(name)) found.push(name);
    }
    this.nextStart = (this.nextStart + processed) % this.names.length;
    return { found, processed };
  }
}
