// Lays a flowchart out for the SVG diagram, top to bottom. A well-formed flowchart (what the
// server accepts: a line of steps where splits open parallel branches that meet at one join) is
// laid out as nested blocks, so parallel branches stand side by side between their split and
// join. Anything else — a chart still being edited — falls back to layers by longest distance
// from the start, so the diagram never refuses to draw what the tables hold.
import type { Flowchart, Step } from '@/api/catalogue/types'

export interface LayoutNode {
  step: Step
  /** Centre, in pixels. */
  x: number
  y: number
  w: number
  h: number
}

export interface LayoutEdge {
  from: string
  to: string
  /** SVG path data. */
  d: string
}

export interface Layout {
  nodes: LayoutNode[]
  edges: LayoutEdge[]
  width: number
  height: number
  /** Whether the nested-block layout applied (false: layered fallback). */
  structured: boolean
}

export const GEOMETRY = { col: 190, row: 92, pad: 24, task: { w: 160, h: 58 }, terminal: { w: 108, h: 36 }, gateway: { w: 38, h: 38 } }

type Item = { kind: 'node'; id: string } | { kind: 'par'; split: string; join: string; branches: Item[][] }

function size(step: Step | undefined): { w: number; h: number } {
  if (!step) return GEOMETRY.task
  if (step.kind === 'start' || step.kind === 'end') return GEOMETRY.terminal
  if (step.kind === 'split' || step.kind === 'join') return GEOMETRY.gateway
  return GEOMETRY.task
}

/** Reads the flowchart as nested blocks; null when it is not well formed. */
export function structure(f: Flowchart): Item[] | null {
  const byId = new Map(f.steps.map((s) => [s.id, s]))
  const succ = (id: string) => f.edges.filter((e) => e.from === id).map((e) => e.to)
  const pred = (id: string) => f.edges.filter((e) => e.to === id).map((e) => e.from)
  const starts = f.steps.filter((s) => s.kind === 'start')
  if (starts.length !== 1 || f.steps.filter((s) => s.kind === 'end').length !== 1) return null
  const seen = new Set<string>()
  let budget = f.steps.length * 4 + 8
  // Walks a line from id; returns its items and the join or end that stopped it.
  const walk = (id: string): { items: Item[]; stop: string } | null => {
    const items: Item[] = []
    let cur = id
    while (budget-- > 0) {
      const s = byId.get(cur)
      if (!s) return null
      if (s.kind === 'join' || s.kind === 'end') return { items, stop: cur }
      if (seen.has(cur)) return null
      seen.add(cur)
      const next = succ(cur)
      if (s.kind === 'start' || s.kind === 'task') {
        if (next.length !== 1) return null
        items.push({ kind: 'node', id: cur })
        cur = next[0]!
        continue
      }
      // A split: every branch must stop at the same join, which only they feed.
      if (next.length < 2) return null
      const branches: Item[][] = []
      let join = ''
      for (const b of next) {
        const r = walk(b)
        if (!r || byId.get(r.stop)?.kind !== 'join' || (join && r.stop !== join)) return null
        join = r.stop
        branches.push(r.items)
      }
      if (pred(join).length !== next.length || seen.has(join)) return null
      seen.add(join)
      const after = succ(join)
      if (after.length !== 1) return null
      items.push({ kind: 'par', split: cur, join, branches })
      cur = after[0]!
    }
    return null
  }
  const r = walk(starts[0]!.id)
  if (!r || byId.get(r.stop)?.kind !== 'end') return null
  if (seen.size + 1 !== f.steps.length) return null // something is off the line
  return [...r.items, { kind: 'node', id: r.stop }]
}

const width = (seq: Item[]): number =>
  Math.max(1, ...seq.map((i) => (i.kind === 'node' ? 1 : i.branches.reduce((n, b) => n + width(b), 0))))
const height = (seq: Item[]): number =>
  seq.reduce((n, i) => n + (i.kind === 'node' ? 1 : 2 + Math.max(0, ...i.branches.map(height))), 0)

function edgePath(a: LayoutNode, b: LayoutNode, fromSplit: boolean): string {
  const x1 = a.x
  const y1 = a.y + a.h / 2
  const x2 = b.x
  const y2 = b.y - b.h / 2
  if (Math.abs(x1 - x2) < 1) return `M ${x1} ${y1} V ${y2}`
  const ym = fromSplit ? y1 + 16 : y2 - 16
  return `M ${x1} ${y1} V ${ym} H ${x2} V ${y2}`
}

function finish(f: Flowchart, pos: Map<string, { col: number; row: number }>, structured: boolean): Layout {
  const g = GEOMETRY
  const nodes: LayoutNode[] = []
  const byId = new Map<string, LayoutNode>()
  let maxCol = 0
  let maxRow = 0
  for (const s of f.steps) {
    const p = pos.get(s.id)
    if (!p) continue
    const sz = size(s)
    const n = { step: s, x: g.pad + (p.col + 0.5) * g.col, y: g.pad + (p.row + 0.5) * g.row, w: sz.w, h: sz.h }
    nodes.push(n)
    byId.set(s.id, n)
    maxCol = Math.max(maxCol, p.col + 1)
    maxRow = Math.max(maxRow, p.row + 1)
  }
  const edges: LayoutEdge[] = []
  for (const e of f.edges) {
    const a = byId.get(e.from)
    const b = byId.get(e.to)
    if (!a || !b || a === b) continue
    edges.push({ from: e.from, to: e.to, d: edgePath(a, b, a.step.kind === 'split') })
  }
  return { nodes, edges, width: g.pad * 2 + maxCol * g.col, height: g.pad * 2 + maxRow * g.row, structured }
}

function placeStructured(f: Flowchart, seq: Item[]): Layout {
  const pos = new Map<string, { col: number; row: number }>()
  const place = (s: Item[], col0: number, cols: number, row0: number): number => {
    let row = row0
    for (const item of s) {
      if (item.kind === 'node') {
        pos.set(item.id, { col: col0 + (cols - 1) / 2, row })
        row += 1
        continue
      }
      pos.set(item.split, { col: col0 + (cols - 1) / 2, row })
      const total = item.branches.reduce((n, b) => n + width(b), 0)
      let c = col0 + (cols - total) / 2
      let deepest = 0
      for (const b of item.branches) {
        const w = width(b)
        deepest = Math.max(deepest, place(b, c, w, row + 1) - (row + 1))
        c += w
      }
      pos.set(item.join, { col: col0 + (cols - 1) / 2, row: row + 1 + deepest })
      row += 2 + deepest
    }
    return row
  }
  place(seq, 0, width(seq), 0)
  return finish(f, pos, true)
}

/** Layers by longest distance from the start (cycles and strays go below). */
function placeLayered(f: Flowchart): Layout {
  const ids = f.steps.map((s) => s.id)
  const known = new Set(ids)
  const indeg = new Map(ids.map((id) => [id, 0]))
  for (const e of f.edges) if (known.has(e.from) && known.has(e.to) && e.from !== e.to) indeg.set(e.to, (indeg.get(e.to) ?? 0) + 1)
  const layer = new Map<string, number>()
  const queue = ids.filter((id) => indeg.get(id) === 0)
  for (const id of queue) layer.set(id, 0)
  while (queue.length) {
    const id = queue.shift()!
    for (const e of f.edges) {
      if (e.from !== id || !known.has(e.to) || e.to === id) continue
      layer.set(e.to, Math.max(layer.get(e.to) ?? 0, (layer.get(id) ?? 0) + 1))
      indeg.set(e.to, indeg.get(e.to)! - 1)
      if (indeg.get(e.to) === 0) queue.push(e.to)
    }
  }
  let bottom = Math.max(-1, ...layer.values()) + 1
  for (const id of ids) if (!layer.has(id)) layer.set(id, bottom++)
  const rows = new Map<number, string[]>()
  for (const id of ids) rows.set(layer.get(id)!, [...(rows.get(layer.get(id)!) ?? []), id])
  const widest = Math.max(1, ...[...rows.values()].map((r) => r.length))
  const pos = new Map<string, { col: number; row: number }>()
  for (const [row, members] of [...rows.entries()].sort((a, b) => a[0] - b[0])) {
    // Order by the mean column of the predecessors already placed (keeps branches apart).
    const mean = (id: string) => {
      const cols = f.edges.filter((e) => e.to === id && pos.has(e.from)).map((e) => pos.get(e.from)!.col)
      return cols.length ? cols.reduce((a, b) => a + b, 0) / cols.length : 0
    }
    const ordered = [...members].sort((a, b) => mean(a) - mean(b))
    const offset = (widest - ordered.length) / 2
    ordered.forEach((id, i) => pos.set(id, { col: offset + i, row }))
  }
  return finish(f, pos, false)
}

export function layoutFlowchart(f: Flowchart): Layout {
  const flow = { steps: f?.steps ?? [], edges: f?.edges ?? [] }
  if (flow.steps.length === 0) return { nodes: [], edges: [], width: 0, height: 0, structured: true }
  const seq = structure(flow)
  return seq ? placeStructured(flow, seq) : placeLayered(flow)
}

/**
 * The longest sum of counted task limits from start to end (what the server checks against the
 * promised limit); 0 when the chart has a cycle.
 */
export function longestCountedPath(f: Flowchart): number {
  const steps = f?.steps ?? []
  const edges = f?.edges ?? []
  const byId = new Map(steps.map((s) => [s.id, s]))
  const w = (id: string) => {
    const s = byId.get(id)
    return s && s.kind === 'task' && s.counts && s.time_limit > 0 ? s.time_limit : 0
  }
  const indeg = new Map(steps.map((s) => [s.id, 0]))
  for (const e of edges) if (byId.has(e.from) && byId.has(e.to)) indeg.set(e.to, indeg.get(e.to)! + 1)
  const best = new Map<string, number>()
  const queue = steps.filter((s) => indeg.get(s.id) === 0).map((s) => s.id)
  for (const id of queue) best.set(id, w(id))
  let done = 0
  while (queue.length) {
    const id = queue.shift()!
    done++
    for (const e of edges) {
      if (e.from !== id || !byId.has(e.to)) continue
      best.set(e.to, Math.max(best.get(e.to) ?? 0, best.get(id)! + w(e.to)))
      indeg.set(e.to, indeg.get(e.to)! - 1)
      if (indeg.get(e.to) === 0) queue.push(e.to)
    }
  }
  if (done !== steps.length) return 0
  return Math.max(0, ...best.values())
}
