/** One role of the catalogue, as GET /api/v1/roles describes it. */
export interface RoleInfo {
  /** The role code used in grants, e.g. "window_clerk". */
  name: string
  /** Chinese label, e.g. "窗口受理员". */
  label: string
  label_en: string
  /** Exists only at city level (platform administrator, leading group). */
  city_only: boolean
  /** Only a platform administrator may grant it. */
  platform: boolean
  /** A city grant may cover every county below ("覆盖下辖区县"). */
  subtree: boolean
  permissions: string[]
  /** Whether the signed-in user may grant it. */
  grantable: boolean
}

export interface RoleList {
  items: RoleInfo[]
}
