import { shallowReactive } from 'vue'
import { listDepartments, type Department } from '@/api/departments'

// Cards and notices carry a department id only. The names come from each tenant's department list,
// fetched once per tenant per page load and shared by the supervision pages.
const byTenant = shallowReactive(new Map<string, Department[]>())
const pending = new Map<string, Promise<Department[]>>()

/** Loads a tenant's departments once (failures give an empty list and are tried again next time). */
export function loadDepartments(tenantCode: string): Promise<Department[]> {
  const have = byTenant.get(tenantCode)
  if (have) return Promise.resolve(have)
  let p = pending.get(tenantCode)
  if (!p) {
    p = listDepartments(tenantCode)
      .then((list) => {
        byTenant.set(tenantCode, list)
        return list
      })
      .catch(() => [] as Department[])
      .finally(() => pending.delete(tenantCode))
    pending.set(tenantCode, p)
  }
  return p
}

/** Loads the departments of every tenant in the list (distinct, non-empty codes). */
export function loadDepartmentsOf(codes: Iterable<string | null | undefined>): Promise<unknown> {
  const distinct = new Set<string>()
  for (const c of codes) if (c) distinct.add(c)
  return Promise.all([...distinct].map(loadDepartments))
}

/** A department's name once its tenant's list is loaded; "" until then or when unknown. */
export function departmentName(id: string | null | undefined): string {
  if (!id) return ''
  for (const list of byTenant.values()) {
    const d = list.find((x) => x.id === id)
    if (d) return d.name
  }
  return ''
}

/** The loaded departments of one tenant (reactive). */
export function departmentsOf(tenantCode: string): Department[] {
  return byTenant.get(tenantCode) ?? []
}

/** Forgets every list (tests, sign-out). */
export function resetDepartmentNames(): void {
  byTenant.clear()
  pending.clear()
}
