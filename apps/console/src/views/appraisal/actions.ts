// The buttons of a run: exactly the actions the server's workflow allows the caller now
// (AppraisalRun.allowed_actions), in the order of the sign-off, never guessed from the status.
import type { RunAction } from '@/api/appraisal'

export interface RunButton {
  action: RunAction
  /** i18n key of the button text. */
  label: string
  type: 'primary' | 'success' | 'warning' | 'danger' | 'default'
}

/** Run-level actions and how they look; adjust is offered per indicator on a subject's page. */
const BUTTONS: RunButton[] = [
  { action: 'rescore', label: 'appraisal.action.rescore', type: 'default' },
  { action: 'open_objections', label: 'appraisal.action.openObjections', type: 'primary' },
  { action: 'object', label: 'appraisal.action.object', type: 'warning' },
  { action: 'approve', label: 'appraisal.action.approve', type: 'success' },
  { action: 'publish', label: 'appraisal.action.publish', type: 'success' },
  { action: 'revise', label: 'appraisal.action.revise', type: 'danger' },
]

/** The run-level buttons for a run's allowed_actions (unknown actions are ignored). */
export function runButtons(allowed: readonly string[] | null | undefined): RunButton[] {
  const set = new Set(allowed ?? [])
  return BUTTONS.filter((b) => set.has(b.action))
}

/** Whether a run allows an action. */
export function allows(allowed: readonly string[] | null | undefined, action: RunAction): boolean {
  return (allowed ?? []).includes(action)
}
