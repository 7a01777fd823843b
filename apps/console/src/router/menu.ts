import type { Component } from 'vue'
import type { RouteComponent } from 'vue-router'
import {
  Bell,
  Calendar,
  Collection,
  Connection,
  DataLine,
  DocumentCopy,
  EditPen,
  HomeFilled,
  Monitor,
  OfficeBuilding,
  Promotion,
  Shop,
  Stamp,
  Tickets,
  User,
} from '@element-plus/icons-vue'
import { DataAnalysis, Lock, Message, Operation, Warning } from '@element-plus/icons-vue'
import type { MessageSchema } from '@/locales/zh-CN'
import { checkPerm, type PermRequirement } from '@/utils/perm'

/** An i18n key under "menu.". */
export type MenuTitleKey = `menu.${keyof MessageSchema['menu'] & string}`

export interface MenuItem {
  /** Route name, unique. */
  name: string
  /** Absolute route path. */
  path: string
  title: MenuTitleKey
  icon: Component
  /** Permission required to see the item and open the page (a list: any one of them); none: every signed-in user. */
  perm?: PermRequirement
  /** The page; absent: the "coming in a later release" placeholder. */
  view?: () => Promise<RouteComponent | { default: RouteComponent }>
  children?: MenuItem[]
}

/** The staff side menu. Routes are built from it, so a page and its menu entry cannot disagree on the permission. */
export const menu: MenuItem[] = [
  {
    name: 'dashboard',
    path: '/',
    title: 'menu.dashboard',
    icon: HomeFilled,
    view: () => import('@/views/dashboard/DashboardView.vue'),
  },
  {
    name: 'tenants',
    path: '/tenants',
    title: 'menu.tenants',
    icon: OfficeBuilding,
    perm: ['tenant:manage', 'tenant:read'],
    view: () => import('@/views/tenants/TenantsView.vue'),
  },
  {
    name: 'departments',
    path: '/departments',
    title: 'menu.departments',
    icon: Connection,
    perm: 'department:read',
    view: () => import('@/views/departments/DepartmentsView.vue'),
  },
  {
    name: 'users',
    path: '/users',
    title: 'menu.users',
    icon: User,
    perm: 'user:read',
    view: () => import('@/views/users/UsersView.vue'),
  },
  {
    name: 'catalogue',
    path: '/catalogue',
    title: 'menu.catalogue',
    icon: Collection,
    perm: 'power:read',
    view: () => import('@/views/catalogue/CatalogueView.vue'),
  },
  {
    name: 'filings',
    path: '/filings',
    title: 'menu.filings',
    icon: Stamp,
    perm: 'power:file',
    view: () => import('@/views/catalogue/FilingsView.vue'),
  },
  {
    name: 'intake',
    path: '/cases/new',
    title: 'menu.intake',
    icon: EditPen,
    perm: 'case:intake',
    view: () => import('@/views/cases/IntakeView.vue'),
  },
  {
    name: 'cases',
    path: '/cases',
    title: 'menu.cases',
    icon: DocumentCopy,
    perm: 'case:read',
    view: () => import('@/views/cases/CasesView.vue'),
  },
  { name: 'tasks', path: '/tasks', title: 'menu.tasks', icon: Bell, perm: 'task:read', view: () => import('@/views/tasks/TasksView.vue') },
  {
    name: 'projects',
    path: '/projects',
    title: 'menu.projects',
    icon: Promotion,
    perm: 'case:read',
    view: () => import('@/views/projects/ProjectsView.vue'),
  },
  {
    name: 'windows',
    path: '/windows',
    title: 'menu.windows',
    icon: Shop,
    perm: 'window:read',
    view: () => import('@/views/windows/WindowsView.vue'),
  },
  {
    name: 'volume',
    path: '/windows/volume',
    title: 'menu.volume',
    icon: DataLine,
    perm: 'window:read',
    view: () => import('@/views/windows/VolumeView.vue'),
  },
  {
    name: 'calendar',
    path: '/calendar',
    title: 'menu.calendar',
    icon: Calendar,
    perm: ['calendar:manage', 'case:read'],
    view: () => import('@/views/cases/CalendarView.vue'),
  },
  // 电子监察: supervisors read the dashboards; departments (supervision:reply) see their own cards and notices.
  {
    name: 'supervision-group',
    path: '/supervision-group',
    title: 'menu.supervision',
    icon: Monitor,
    children: [
      {
        name: 'supervision',
        path: '/supervision',
        title: 'menu.supervisionOverview',
        icon: DataAnalysis,
        perm: 'supervision:read',
        view: () => import('@/views/supervision/SupervisionDashboard.vue'),
      },
      {
        name: 'supervision-cards',
        path: '/supervision/cards',
        title: 'menu.supervisionCards',
        icon: Warning,
        perm: ['supervision:read', 'supervision:reply'],
        view: () => import('@/views/supervision/CardsView.vue'),
      },
      {
        name: 'supervision-notices',
        path: '/supervision/notices',
        title: 'menu.supervisionNotices',
        icon: Message,
        perm: ['supervision:read', 'supervision:reply'],
        view: () => import('@/views/supervision/NoticesView.vue'),
      },
    ],
  },
  {
    name: 'audit',
    path: '/audit',
    title: 'menu.audit',
    icon: Tickets,
    perm: 'audit:read',
    view: () => import('@/views/audit/AuditView.vue'),
  },
  {
    name: 'security-events',
    path: '/audit/security',
    title: 'menu.securityEvents',
    icon: Lock,
    perm: 'audit:read',
    view: () => import('@/views/audit/SecurityEventsView.vue'),
  },
  {
    name: 'ops-queues',
    path: '/ops/queues',
    title: 'menu.opsQueues',
    icon: Operation,
    perm: 'ops:queues',
    view: () => import('@/views/ops/QueuesView.vue'),
  },
]

/**
 * The items a user may see. A group stays only if one of its children does (and it is itself
 * allowed). `granted` is the user's permission list from /me.
 */
export function filterMenu(items: readonly MenuItem[], granted: ReadonlySet<string> | readonly string[]): MenuItem[] {
  const out: MenuItem[] = []
  for (const item of items) {
    if (!checkPerm(granted, item.perm)) continue
    if (item.children) {
      const children = filterMenu(item.children, granted)
      if (children.length === 0) continue
      out.push({ ...item, children })
    } else {
      out.push(item)
    }
  }
  return out
}

/** Every leaf item, depth first (for route building and lookups). */
export function flattenMenu(items: readonly MenuItem[]): MenuItem[] {
  return items.flatMap((i) => (i.children ? flattenMenu(i.children) : [i]))
}
