import { createI18n } from 'vue-i18n'
import zhCN, { type MessageSchema } from './zh-CN'
import en from './en'

/** The UI languages, zh-CN first. */
export const LOCALES = ['zh-CN', 'en'] as const
export type Locale = (typeof LOCALES)[number]

export const DEFAULT_LOCALE: Locale = 'zh-CN'
export const LOCALE_STORAGE_KEY = 'sunshine.locale'

export const messages: Record<Locale, MessageSchema> = { 'zh-CN': zhCN, en }

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value)
}

/** The remembered choice, else zh-CN: the console is Chinese first whatever the browser says. */
export function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem(LOCALE_STORAGE_KEY)
    if (isLocale(saved)) return saved
  } catch {
    // Storage may be disabled (private mode, policy); fall back to the default.
  }
  return DEFAULT_LOCALE
}

export const i18n = createI18n<[MessageSchema], Locale, false>({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: DEFAULT_LOCALE,
  messages,
  missingWarn: import.meta.env.DEV,
  fallbackWarn: import.meta.env.DEV,
})

/** The current UI language; also sent as Accept-Language so the server localises its messages. */
export function currentLocale(): Locale {
  return i18n.global.locale.value
}

/** Switches the UI language, remembers it and updates <html lang>. */
export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  try {
    localStorage.setItem(LOCALE_STORAGE_KEY, locale)
  } catch {
    // Not remembered, but the switch still applies to this page.
  }
  syncDocumentLang(locale)
}

export function syncDocumentLang(locale: Locale = currentLocale()): void {
  document.documentElement.lang = locale
}

/** Translates a key known only at run time (route meta, role codes); the key itself when missing. */
export function translate(key: string, named: Record<string, unknown> = {}): string {
  return (i18n.global.t as (k: string, n: Record<string, unknown>) => string)(key, named)
}

/** Whether a run-time key exists in the current locale or the fallback. */
export function hasMessage(key: string): boolean {
  return (i18n.global.te as (k: string, l?: string) => boolean)(key) || (i18n.global.te as (k: string, l?: string) => boolean)(key, DEFAULT_LOCALE)
}
