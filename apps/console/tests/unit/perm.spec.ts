import { beforeEach, describe, expect, it } from 'vitest'
import { defineComponent, nextTick, ref } from 'vue'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { checkPerm, hasPerm } from '@/utils/perm'
import { vPerm } from '@/directives/perm'
import { useAuthStore } from '@/stores/auth'
import { me } from './support'

describe('checkPerm', () => {
  const granted = new Set(['tenant:read', 'user:manage'])

  it('requires the exact permission string', () => {
    expect(checkPerm(granted, 'user:manage')).toBe(true)
    expect(checkPerm(granted, 'tenant:manage')).toBe(false)
    expect(checkPerm(granted, 'user')).toBe(false)
    expect(checkPerm(granted, 'user:*')).toBe(false)
  })

  it('accepts any one of a list', () => {
    expect(checkPerm(granted, ['audit:read', 'tenant:read'])).toBe(true)
    expect(checkPerm(granted, ['audit:read', 'case:read'])).toBe(false)
  })

  it('treats "nothing required" as allowed, and works on arrays too', () => {
    expect(checkPerm(granted, undefined)).toBe(true)
    expect(checkPerm(granted, null)).toBe(true)
    expect(checkPerm(granted, '')).toBe(true)
    expect(checkPerm(granted, [])).toBe(true)
    expect(checkPerm(['a:b'], 'a:b')).toBe(true)
    expect(checkPerm([], 'a:b')).toBe(false)
  })
})

describe('hasPerm and v-perm', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('hasPerm follows the signed-in user and denies everything when nobody is', () => {
    expect(hasPerm('user:manage')).toBe(false)
    expect(hasPerm(undefined)).toBe(true)
    useAuthStore().me = me({ permissions: ['user:manage'] })
    expect(hasPerm('user:manage')).toBe(true)
    expect(hasPerm('tenant:manage')).toBe(false)
    useAuthStore().reset()
    expect(hasPerm('user:manage')).toBe(false)
  })

  it('hides elements the user may not use and leaves the others alone', async () => {
    const pinia = createPinia()
    setActivePinia(pinia)
    useAuthStore().me = me({ permissions: ['user:manage'] })
    const need = ref('tenant:manage')
    const Comp = defineComponent({
      directives: { perm: vPerm },
      setup: () => ({ need }),
      template: `
        <div>
          <button id="tenants" v-perm="'tenant:manage'">新建租户</button>
          <button id="users" v-perm="'user:manage'" style="display: inline-flex">新建用户</button>
          <button id="any" v-perm="['audit:read', 'user:manage']">任一</button>
          <button id="dynamic" v-perm="need">动态</button>
        </div>`,
    })
    const w = mount(Comp, { global: { plugins: [pinia] } })
    const style = (id: string) => (w.find(`#${id}`).element as HTMLElement).style.display
    expect(style('tenants')).toBe('none')
    expect(w.find('#tenants').attributes()).toHaveProperty('data-perm-hidden')
    expect(style('users')).toBe('inline-flex')
    expect(style('any')).toBe('')
    expect(style('dynamic')).toBe('none')

    // A re-render with a requirement the user meets shows the element again, with its own display.
    need.value = 'user:manage'
    await nextTick()
    expect(style('dynamic')).toBe('')
    expect(w.find('#dynamic').attributes()).not.toHaveProperty('data-perm-hidden')
  })
})
