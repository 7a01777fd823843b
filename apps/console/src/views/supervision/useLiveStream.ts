import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue'
import type { CardEvent } from '@/api/supervision'
import { supervisionStream, type StreamState } from '@/api/supervision/stream'

/**
 * Listens to the tab's live supervision stream while the component is mounted. `enabled` false
 * (e.g. the user lacks supervision:read) never opens it.
 */
export function useLiveStream(onEvent: (e: CardEvent) => void, enabled: () => boolean = () => true): { state: Ref<StreamState> } {
  const state = ref<StreamState>('idle')
  let stopEvents: (() => void) | null = null
  let stopState: (() => void) | null = null
  onMounted(() => {
    if (!enabled()) return
    const stream = supervisionStream()
    stopState = stream.onState((s) => {
      state.value = s
    })
    stopEvents = stream.subscribe(onEvent)
  })
  onBeforeUnmount(() => {
    stopEvents?.()
    stopState?.()
    stopEvents = stopState = null
  })
  return { state }
}
