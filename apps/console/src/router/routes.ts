import type { RouteRecordRaw } from 'vue-router'
import type { PermRequirement } from '@/utils/perm'
import { flattenMenu, menu } from './menu'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without a session (login, portal, 404); the guard never calls /me for these. */
    public?: boolean
    /** i18n key of the page title (breadcrumb, document title). */
    title?: string
    /** Permission required to open the page (a list: any one of them). */
    perm?: PermRequirement
    /** The page is a "coming in a later release" placeholder. */
    placeholder?: boolean
  }
}

const Placeholder = () => import('@/views/placeholder/PlaceholderView.vue')
const PortalPlaceholder = () => import('@/views/portal/PortalSectionView.vue')

/** Staff pages, one per menu entry, rendered inside the staff layout. */
function menuRoutes(): RouteRecordRaw[] {
  return flattenMenu(menu).map((item) => ({
    // Children of "/" use relative paths; the dashboard is the empty one.
    path: item.path.replace(/^\//, ''),
    name: item.name,
    component: item.view ?? Placeholder,
    meta: { title: item.title, perm: item.perm, placeholder: !item.view },
  }))
}

export const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('@/views/login/LoginView.vue'),
    meta: { public: true, title: 'login.heading' },
  },
  {
    path: '/portal/:tenantCode',
    component: () => import('@/layouts/PortalLayout.vue'),
    meta: { public: true },
    children: [
      { path: '', name: 'portal-catalogue', component: () => import('@/views/portal/PortalCatalogueView.vue'), meta: { title: 'portal.catalogue' } },
      {
        path: 'powers/:id',
        name: 'portal-power',
        component: () => import('@/views/portal/PortalPowerView.vue'),
        meta: { title: 'portal.catalogue' },
      },
      { path: 'apply', name: 'portal-apply', component: () => import('@/views/portal/PortalApplyView.vue'), meta: { title: 'portal.apply' } },
      { path: 'status', name: 'portal-status', component: () => import('@/views/portal/PortalStatusView.vue'), meta: { title: 'portal.status' } },
      {
        path: 'appraisal',
        name: 'portal-appraisal',
        component: () => import('@/views/portal/PortalAppraisalView.vue'),
        meta: { title: 'portal.appraisal' },
      },
      { path: 'complaint', name: 'portal-complaint', component: PortalPlaceholder, meta: { title: 'portal.complaint' } },
      {
        path: 'disclosure',
        name: 'portal-disclosure',
        component: PortalPlaceholder,
        meta: { title: 'portal.disclosure' },
      },
    ],
  },
  {
    path: '/',
    component: () => import('@/layouts/StaffLayout.vue'),
    children: [
      ...menuRoutes(),
      // Casework pages below their lists (not in the menu).
      {
        path: 'cases/:id',
        name: 'case-detail',
        component: () => import('@/views/cases/CaseDetailView.vue'),
        meta: { title: 'caseDetail.title', perm: 'case:read' },
      },
      {
        path: 'projects/:id',
        name: 'project-detail',
        component: () => import('@/views/projects/ProjectDetailView.vue'),
        meta: { title: 'projects.detailTitle', perm: 'case:read' },
      },
      // 电子监察: one card or notice, opened over its list (the inbox links here).
      {
        path: 'supervision/cards/:id',
        name: 'supervision-card',
        component: () => import('@/views/supervision/CardsView.vue'),
        meta: { title: 'menu.supervisionCards', perm: ['supervision:read', 'supervision:reply'] },
      },
      {
        path: 'supervision/notices/:id',
        name: 'supervision-notice',
        component: () => import('@/views/supervision/NoticesView.vue'),
        meta: { title: 'menu.supervisionNotices', perm: ['supervision:read', 'supervision:reply'] },
      },
      // The catalogue's pages below its list (not in the menu).
      {
        path: 'catalogue/new',
        name: 'catalogue-new',
        component: () => import('@/views/catalogue/PowerEditorView.vue'),
        meta: { title: 'catalogue.newTitleShort', perm: 'power:draft' },
      },
      {
        path: 'catalogue/:id',
        name: 'catalogue-item',
        component: () => import('@/views/catalogue/PowerDetailView.vue'),
        meta: { title: 'catalogue.itemTitle', perm: 'power:read' },
      },
      {
        path: 'catalogue/:id/edit',
        name: 'catalogue-edit',
        component: () => import('@/views/catalogue/PowerEditorView.vue'),
        meta: { title: 'catalogue.editTitleShort', perm: 'power:draft' },
      },
      // 绩效考核's pages below its lists (not in the menu).
      {
        path: 'appraisal/runs/:id',
        name: 'appraisal-run',
        component: () => import('@/views/appraisal/RankingView.vue'),
        meta: { title: 'menu.appraisalRanking', perm: 'appraisal:read' },
      },
      {
        path: 'appraisal/runs/:id/subjects/:subject',
        name: 'appraisal-subject',
        component: () => import('@/views/appraisal/SubjectView.vue'),
        meta: { title: 'appraisal.subject.title', perm: 'appraisal:read' },
      },
      {
        path: 'appraisal/schemes/new',
        name: 'appraisal-scheme-new',
        component: () => import('@/views/appraisal/SchemeEditorView.vue'),
        meta: { title: 'appraisal.scheme.create', perm: 'appraisal:manage' },
      },
      {
        path: 'appraisal/schemes/:id',
        name: 'appraisal-scheme',
        component: () => import('@/views/appraisal/SchemeDetailView.vue'),
        meta: { title: 'menu.appraisalSchemes', perm: 'appraisal:read' },
      },
      {
        path: 'appraisal/schemes/:id/edit',
        name: 'appraisal-scheme-edit',
        component: () => import('@/views/appraisal/SchemeEditorView.vue'),
        meta: { title: 'appraisal.scheme.editTitle', perm: 'appraisal:manage' },
      },
      {
        path: 'profile',
        name: 'profile',
        component: () => import('@/views/profile/ProfileView.vue'),
        meta: { title: 'profile.title' },
      },
      {
        path: 'profile/password',
        name: 'password',
        component: () => import('@/views/profile/PasswordView.vue'),
        meta: { title: 'password.title' },
      },
      {
        path: '403',
        name: 'forbidden',
        component: () => import('@/views/error/ForbiddenView.vue'),
        meta: { title: 'error.forbiddenTitle' },
      },
    ],
  },
  // The printable receipt stands alone: nothing of the console around it on paper.
  {
    path: '/cases/:id/receipt',
    name: 'case-receipt',
    component: () => import('@/views/cases/ReceiptView.vue'),
    meta: { title: 'receipt.title', perm: 'case:read' },
  },
  // The printable appraisal report, like the receipt: only the tables on paper.
  {
    path: '/appraisal/runs/:id/report',
    name: 'appraisal-report',
    component: () => import('@/views/appraisal/ReportView.vue'),
    meta: { title: 'appraisal.report', perm: 'appraisal:read' },
  },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('@/views/error/NotFoundView.vue'),
    meta: { public: true, title: 'error.notFoundTitle' },
  },
]
