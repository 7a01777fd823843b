import { shallowReactive } from 'vue'
import { listDepartments, type Department } from '@/api/departments'

// The departments of a tenant, for choosing one (the notice dialog's addressee, the cards' department
// filter): fetched once per tenant per page load and shared by the supervision pages. Cards and
// notices name their department themselves (department_name): never fetch a list to name them.
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

/** The loaded departments of one tenant (reactive). */
export function departmentsOf(tenantCode: string): Department[] {
  return byTenant.get(tenantCode) ?? []
}

/** Forgets every list (tests, sign-out). */
export function resetDepartmentNames(): void {
  byTenant.clear()
  pending.clear()
}
