import { http } from '../http'
import type { Department, DepartmentCreate, DepartmentList, DepartmentNode, DepartmentUpdate } from './types'

export * from './types'

/** The departments of one readable tenant (the caller's own when `tenant` is empty). */
export async function listDepartments(tenant?: string): Promise<Department[]> {
  const res = await http.get<DepartmentList>('/api/v1/departments', { query: { tenant: tenant || undefined } })
  return Array.isArray(res?.items) ? res.items : []
}

export function createDepartment(body: DepartmentCreate): Promise<Department> {
  return http.post<Department>('/api/v1/departments', body)
}

export function updateDepartment(id: string, body: DepartmentUpdate): Promise<Department> {
  return http.put<Department>(`/api/v1/departments/${encodeURIComponent(id)}`, body)
}

/** The PUT body that leaves a department as it is except for `changes`. */
export function departmentUpdate(d: Department, changes: Partial<DepartmentUpdate> = {}): DepartmentUpdate {
  return { code: d.code, name: d.name, type: d.type, sort: d.sort, parent_id: d.parent_id, active: d.active, ...changes }
}

const bySortThenCode = (a: Department, b: Department) => a.sort - b.sort || a.code.localeCompare(b.code)

/**
 * Nests departments under their parents, each level ordered by sort then code. A department whose
 * parent is not in the list (another tenant, or filtered out) stays at the top level.
 */
export function departmentTree(list: readonly Department[]): DepartmentNode[] {
  const nodes = new Map<string, DepartmentNode>()
  for (const d of list) nodes.set(d.id, { ...d })
  const roots: DepartmentNode[] = []
  for (const node of nodes.values()) {
    const parent = node.parent_id ? nodes.get(node.parent_id) : undefined
    if (parent && parent !== node) (parent.children ??= []).push(node)
    else roots.push(node)
  }
  const sortDeep = (items: DepartmentNode[]) => {
    items.sort(bySortThenCode)
    for (const i of items) if (i.children) sortDeep(i.children)
  }
  sortDeep(roots)
  return roots
}

/** The ids of a department and everything below it (a department cannot move under itself). */
export function descendantIds(list: readonly Department[], id: string): Set<string> {
  const out = new Set<string>([id])
  let grew = true
  while (grew) {
    grew = false
    for (const d of list) {
      if (d.parent_id && out.has(d.parent_id) && !out.has(d.id)) {
        out.add(d.id)
        grew = true
      }
    }
  }
  return out
}
