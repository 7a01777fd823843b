// A case's steps as a flowchart: the nodes are the case's step rows, the edges are the case's
// flow_edges — the flowchart of the filed version the case was accepted under, as the server
// sends it with the case. Nothing is inferred from the order of the steps.
import type { Edge, Flowchart, Step } from '@/api/catalogue/types'
import type { CaseDetail, CaseStep, FlowEdge } from '@/api/cases/types'

const bySeq = (a: CaseStep, b: CaseStep) => (a.seq ?? 0) - (b.seq ?? 0)

/** The case's steps and flow edges as a catalogue flowchart for the diagram layout (edges between unknown nodes are dropped). */
export function caseFlowchart(steps: readonly CaseStep[], edges: readonly FlowEdge[] | null | undefined): Flowchart {
  const nodes = new Set(steps.map((s) => s.node))
  const seen = new Set<string>()
  const known: Edge[] = []
  for (const e of edges ?? []) {
    const key = `${e.from}\u0000${e.to}`
    if (!nodes.has(e.from) || !nodes.has(e.to) || e.from === e.to || seen.has(key)) continue
    seen.add(key)
    known.push({ from: e.from, to: e.to })
  }
  return {
    steps: [...steps].sort(bySeq).map(
      (s): Step => ({
        id: s.node,
        name: s.name,
        kind: s.kind,
        post: '',
        role: s.role ?? '',
        department_code: '',
        time_limit: s.time_limit ?? 0,
        counts: s.counts ?? false,
        checkpoint: s.checkpoint ?? false,
        duties: '',
        counterparty_rights: '',
      }),
    ),
    edges: known,
  }
}

/**
 * Where a step stands, for colouring the diagram. The server has three statuses (pending, active,
 * done) and counts the rounds a task was activated; a return (退回) shows in them: the task sent
 * back to is active again in a later round ("returned"), and the steps after it that had been
 * worked are pending again ("redo").
 */
export type StepState = 'done' | 'active' | 'returned' | 'redo' | 'pending'

export function stepState(s: Pick<CaseStep, 'status' | 'kind' | 'rounds'> | undefined): StepState {
  if (!s) return 'pending'
  const rounds = s.rounds ?? 0
  switch (s.status) {
    case 'done':
      return 'done'
    case 'active':
      return s.kind === 'task' && rounds > 1 ? 'returned' : 'active'
    default:
      return s.kind === 'task' && rounds > 0 ? 'redo' : 'pending'
  }
}

/** The parallel group a task belongs to: its split's node and name, and its branch number (1-based). */
export interface BranchInfo {
  split: string
  splitName: string
  branch: number
  branches: number
}

/** Which tasks run in parallel, from the flowchart's edges. */
export function branchesOf(flow: Flowchart): Map<string, BranchInfo> {
  const out = new Map<string, BranchInfo>()
  const byId = new Map(flow.steps.map((s) => [s.id, s]))
  const succ = (id: string) => flow.edges.filter((e) => e.from === id).map((e) => e.to)
  for (const split of flow.steps.filter((s) => s.kind === 'split')) {
    const heads = succ(split.id)
    heads.forEach((head, i) => {
      // Walk the branch to its join (nested splits stay inside the same branch).
      const stack = [head]
      const seen = new Set<string>()
      while (stack.length) {
        const id = stack.pop()!
        const s = byId.get(id)
        if (!s || seen.has(id) || s.kind === 'join' || s.kind === 'end') continue
        seen.add(id)
        if (s.kind === 'task' && !out.has(id)) out.set(id, { split: split.id, splitName: split.name, branch: i + 1, branches: heads.length })
        stack.push(...succ(id))
      }
    })
  }
  return out
}

/**
 * Where a step may be returned to: the completed tasks upstream of it in the case's flowchart (the
 * server refuses any other: a task in a sibling parallel branch is not upstream). Without edges,
 * the completed tasks before it in order.
 */
export function returnTargets(steps: readonly CaseStep[], from: CaseStep, edges?: readonly FlowEdge[] | null): CaseStep[] {
  const done = (s: CaseStep) => s.kind === 'task' && s.status === 'done' && s.node !== from.node
  if (!edges?.length) return steps.filter((s) => done(s) && (s.seq ?? 0) < (from.seq ?? 0)).sort(bySeq)
  const upstream = new Set<string>()
  const stack = [from.node]
  while (stack.length) {
    const node = stack.pop()!
    for (const e of edges) {
      if (e.to === node && !upstream.has(e.from)) {
        upstream.add(e.from)
        stack.push(e.from)
      }
    }
  }
  return steps.filter((s) => done(s) && upstream.has(s.node)).sort(bySeq)
}

/** Whether a step can be worked now (completed or returned), whoever may do it. */
export function stepWorkable(c: Pick<CaseDetail, 'status' | 'paused'>, s: CaseStep): boolean {
  return s.kind === 'task' && s.status === 'active' && c.status === 'in_progress' && !c.paused
}

/** The case actions a user may see for a case, by its status and their permissions (the API decides). */
export type CaseAction = 'accept' | 'correction' | 'refuse' | 'resubmit' | 'pause' | 'resume' | 'extend' | 'decide' | 'deliver'

export function caseActions(
  c: Pick<CaseDetail, 'status' | 'paused' | 'extension_days'>,
  can: (perm: string) => boolean,
): CaseAction[] {
  const out: CaseAction[] = []
  switch (c.status) {
    case 'submitted':
      if (can('case:intake')) out.push('accept', 'correction', 'refuse')
      break
    case 'correction_requested':
      if (can('case:intake')) out.push('resubmit')
      break
    case 'in_progress':
    case 'pending_decision':
      if (can('case:handle')) out.push(c.paused ? 'resume' : 'pause')
      if (can('case:manage') && !(c.extension_days > 0)) out.push('extend')
      if (c.status === 'pending_decision' && !c.paused && can('case:manage')) out.push('decide')
      break
    case 'approved':
    case 'denied':
      if (can('case:intake')) out.push('deliver')
      break
  }
  return out
}
