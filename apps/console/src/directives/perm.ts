import type { Directive, DirectiveBinding } from 'vue'
import { hasPerm, type PermRequirement } from '@/utils/perm'

const hiddenDisplay = new WeakMap<HTMLElement, string>()

function apply(el: HTMLElement, binding: DirectiveBinding<PermRequirement>): void {
  if (hasPerm(binding.value)) {
    if (hiddenDisplay.has(el)) {
      el.style.display = hiddenDisplay.get(el) ?? ''
      hiddenDisplay.delete(el)
      el.removeAttribute('data-perm-hidden')
    }
    return
  }
  if (!hiddenDisplay.has(el)) {
    hiddenDisplay.set(el, el.style.display)
    el.style.display = 'none'
    // Hidden, not removed: removing a node Vue manages breaks later patches.
    el.setAttribute('data-perm-hidden', '')
  }
}

/**
 * v-perm="'tenant:manage'" (or an array: any one suffices) hides the element from users who lack
 * the permission. The API enforces permissions anyway; this only keeps the UI honest.
 */
export const vPerm: Directive<HTMLElement, PermRequirement> = {
  mounted: apply,
  updated: apply,
}

declare module 'vue' {
  interface GlobalDirectives {
    vPerm: typeof vPerm
  }
}
