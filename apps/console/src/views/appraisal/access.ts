import { computed } from 'vue'
import { useAuthStore } from '@/stores/auth'

/**
 * What the signed-in user may do in appraisal. Management (schemes, scoring, adjustments,
 * answers, sign-off, manual inputs) is the city leading group's: appraisal:manage held at city level.
 * A county's readers (appraisal:read) see their own results read-only and may object
 * (appraisal:object) while a run is open for objections — the run's allowed_actions say when.
 */
export function useAppraisalAccess() {
  const auth = useAuthStore()
  const isCity = computed(() => auth.tenant?.level === 'city')
  const canManage = computed(() => isCity.value && auth.hasPerm('appraisal:manage'))
  const ownTenant = computed(() => auth.tenant?.code ?? '')
  return { isCity, canManage, ownTenant }
}
