/** Department kinds the API accepts; the console shows any other value as it comes. */
export const DEPARTMENT_TYPES = ['bureau', 'commission', 'office', 'centre', 'supervision', 'other'] as const
export type DepartmentType = (typeof DEPARTMENT_TYPES)[number] | (string & {})

/** A department (局、委、办、中心 …) of one tenant, as GET /api/v1/departments lists it. */
export interface Department {
  id: string
  tenant_code: string
  /** Short code, unique within the tenant (e.g. "ZJJ"); fixed once created. */
  code: string
  name: string
  type: DepartmentType
  parent_id: string | null
  sort: number
  active: boolean
}

export interface DepartmentList {
  items: Department[]
}

/** Body of POST /api/v1/departments (always in the caller's own tenant). */
export interface DepartmentCreate {
  code: string
  name: string
  type: DepartmentType
  sort: number
  parent_id: string | null
}

/** Body of PUT /api/v1/departments/{id}: every field, the code unchanged. */
export interface DepartmentUpdate extends DepartmentCreate {
  active: boolean
}

/** A department with its sub-departments, for the tree table. */
export interface DepartmentNode extends Department {
  children?: DepartmentNode[]
}
