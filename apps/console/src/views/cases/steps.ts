// A case's steps as a flowchart: the nodes the case runs, with the edges of the filed version it
// was accepted under when the page has them, otherwise edges inferred from the steps' order
// (every task between a split and its join is a branch of its own).
import type { Edge, Flowchart, Step } from '@/api/catalogue/types'
import type { CaseDetail, CaseStep } from '@/api/cases/types'

const bySeq = (a: CaseStep, b: CaseStep) => (a.seq ?? 0) - (b.seq ?? 0)

/** Edges guessed from the order of the steps. */
export function inferEdges(steps: readonly CaseStep[]): Edge[] {
  const sorted = [...steps].sort(bySeq)
  const edges: Edge[] = []
  let prev: CaseStep | null = null
  let split: CaseStep | null = null
  let branches: CaseStep[] = []
  for (const s of sorted) {
    if (split && s.kind !== 'join') {
      edges.push({ from: split.node, to: s.node })
      branches.push(s)
      continue
    }
    if (s.kind === 'join' && split) {
      for (const b of branches) edges.push({ from: b.node, to: s.node })
      if (branches.length === 0) edges.push({ from: split.node, to: s.node })
      split = null
      branches = []
      prev = s
      continue
    }
    if (prev) edges.push({ from: prev.node, to: s.node })
    if (s.kind === 'split') {
      split = s
      branches = []
    }
    prev = s
  }
  return edges
}

/** The case's steps as a catalogue flowchart for the diagram layout; `edges` when known, else inferred. */
export function caseFlowchart(steps: readonly CaseStep[], edges?: readonly Edge[] | null, deptCodes: Record<string, string> = {}): Flowchart {
  const nodes = new Set(steps.map((s) => s.node))
  const known = edges?.filter((e) => nodes.has(e.from) && nodes.has(e.to)) ?? []
  return {
    steps: [...steps].sort(bySeq).map(
      (s): Step => ({
        id: s.node,
        name: s.name,
        kind: s.kind,
        post: '',
        role: s.role ?? '',
        department_code: (s.department_id && deptCodes[s.department_id]) || '',
        time_limit: s.time_limit ?? 0,
        counts: s.counts ?? false,
        checkpoint: s.checkpoint ?? false,
        duties: '',
        counterparty_rights: '',
      }),
    ),
    edges: known.length ? [...known] : inferEdges(steps),
  }
}

/** The parallel group a task belongs to: its split's node and name, and its branch number (1-based). */
export interface BranchInfo {
  split: string
  splitName: string
  branch: number
  branches: number
}

/** Which tasks run in parallel, from the flowchart's edges (or the inferred ones). */
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

/** Completed tasks before a step: where it may be returned to. */
export function returnTargets(steps: readonly CaseStep[], from: CaseStep): CaseStep[] {
  return steps.filter((s) => s.kind === 'task' && s.status === 'done' && (s.seq ?? 0) < (from.seq ?? 0)).sort(bySeq)
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
